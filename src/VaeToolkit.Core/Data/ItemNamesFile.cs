using System.Text;

namespace VaeToolkit.Data;

/// <summary>
/// A file of item display names and how to read it: <c>id&lt;delimiter&gt;...&lt;name&gt;...</c> lines, the id in
/// the first column and the name in <see cref="NameColumn"/> (to the end of the line when
/// <see cref="NameToEndOfLine"/>, as Netflix titles may hold commas).
/// </summary>
internal sealed record ItemNamesFile(string Path, string Delimiter, bool Header, bool Quoted, Encoding Encoding, int NameColumn = 1, bool NameToEndOfLine = false)
{
    /// <summary>MovieLens <c>movies.csv</c> and files like it: a header, then <c>id,name,...</c> with quoted fields.</summary>
    public static ItemNamesFile Csv(string path, char delimiter = ',', Encoding? encoding = null) =>
        new(path, delimiter.ToString(), Header: true, Quoted: true, encoding ?? Encoding.UTF8);

    public string Describe() =>
        $"{Path}|{string.Join(",", Delimiter.Select(c => (int)c))}|{Header}|{Quoted}|{Encoding.WebName}|{NameColumn}|{NameToEndOfLine}";
}
