# Clear-VaeCache: prepared data and downloads removed by kind, age and size; -WhatIf and files in use left alone.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    function New-CacheFile([string] $Path, [int] $Bytes, [int] $DaysAgo) {
        New-Item -ItemType Directory -Path (Split-Path $Path) -Force | Out-Null
        [IO.File]::WriteAllBytes($Path, [byte[]]::new($Bytes))
        [IO.File]::SetLastWriteTimeUtc($Path, [DateTime]::UtcNow.AddDays(-$DaysAgo))
        $Path
    }
}

Describe 'Clear-VaeCache' {
    BeforeEach {
        $prepared = Join-Path $TestDrive "prepared-$([guid]::NewGuid().ToString('N'))"
        $downloads = Join-Path $TestDrive "datasets-$([guid]::NewGuid().ToString('N'))"
        $oldest = New-CacheFile (Join-Path $prepared 'ml-1m-00000000000000a1.vprep') 3000 40
        $older = New-CacheFile (Join-Path $prepared 'ml-1m-00000000000000a2.vprep') 2000 20
        $recent = New-CacheFile (Join-Path $prepared 'ml-1m-00000000000000a3.vprep') 1000 1
        $download = New-CacheFile (Join-Path $downloads 'ml-1m/ratings.dat') 500 60
        $folders = @{ PreparedPath = $prepared; DownloadPath = $downloads }
    }

    It '-WhatIf removes nothing' {
        Clear-VaeCache @folders -Kind Prepared, Download -WhatIf
        $oldest, $older, $recent, $download | ForEach-Object { Test-Path $_ | Should -BeTrue }
    }

    It 'removes every prepared data set by default, keeps downloads, and -PassThru returns what went, least recently used first' {
        $removed = Clear-VaeCache @folders -PassThru
        $removed | Should -HaveCount 3
        $removed[0] | Should -BeOfType ([VaeToolkit.Data.Caching.CacheEntry])
        $removed.Path | Should -Be @($oldest, $older, $recent)
        $removed[0].Bytes | Should -Be 3000
        $removed[0].Kind | Should -Be 'Prepared'
        Get-ChildItem $prepared -Filter *.vprep | Should -BeNullOrEmpty
        Test-Path $download | Should -BeTrue
    }

    It '-OlderThan keeps what was used recently; -Kind Download takes the downloads' {
        $removed = Clear-VaeCache @folders -Kind Prepared, Download -OlderThan (New-TimeSpan -Days 30) -PassThru
        $removed.Name | Sort-Object | Should -Be @('ml-1m', 'ml-1m-00000000000000a1.vprep')
        Test-Path (Join-Path $downloads 'ml-1m') | Should -BeFalse
        Test-Path $older | Should -BeTrue
        Test-Path $recent | Should -BeTrue
    }

    It '-MaxSize removes the least recently used until the rest fits' {
        Clear-VaeCache @folders -MaxSize 3000
        Test-Path $oldest | Should -BeFalse
        Test-Path $older | Should -BeTrue
        Test-Path $recent | Should -BeTrue
    }

    It 'keeps a file another process has open, with a warning' {
        $reader = [IO.File]::Open($oldest, 'Open', 'Read', 'Read')
        try {
            Clear-VaeCache @folders -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            "$warnings" | Should -Match ([regex]::Escape("Kept $oldest"))
            Test-Path $oldest | Should -BeTrue
            Test-Path $recent | Should -BeFalse
        }
        finally {
            $reader.Dispose()
        }
    }

    It 'shows removed entries as a table' {
        $text = Clear-VaeCache @folders -MaxSize 0 -PassThru | Out-String -Width 160
        $text | Should -Match 'Kind\s+MB\s+LastUsed\s+Name'
        $text | Should -Match 'Prepared\s+0[.,]0\s+.+ml-1m-00000000000000a1\.vprep'
    }
}
