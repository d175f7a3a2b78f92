using System.Globalization;
using System.Text;
using Parquet;

namespace VaeToolkit.Tests.Batch;

/// <summary>Reads batch outputs back in tests: CSV records (RFC 4180 quoting, line breaks inside quotes) and Parquet columns.</summary>
internal static class BatchFiles
{
    /// <summary>Every record after the header, each as its fields' text.</summary>
    public static List<string[]> CsvRecords(string path)
    {
        string text = File.ReadAllText(path, Encoding.UTF8);
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else field.Append(c);
        }
        return records.Skip(1).ToList();
    }

    /// <summary>The rows of a Parquet file, each as its values' invariant text (null as empty), in file order.</summary>
    public static List<string[]> ParquetRecords(string path) => ParquetRecordsAsync(path).GetAwaiter().GetResult();

    public static async Task<List<string[]>> ParquetRecordsAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var rows = new List<string[]>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int count = (int)group.RowCount;
            var columns = new List<string[]>();
            foreach (var field in fields)
            {
                if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
                {
                    var texts = new string?[count];
                    await group.ReadAsync(field, texts.AsMemory());
                    columns.Add([.. texts.Select(text => text ?? "")]);
                }
                else if (field.ClrType == typeof(int))
                {
                    var numbers = new int[count];
                    await group.ReadAsync(field, numbers.AsMemory());
                    columns.Add([.. numbers.Select(n => n.ToString(CultureInfo.InvariantCulture))]);
                }
                else
                {
                    var reals = new float[count];
                    await group.ReadAsync(field, reals.AsMemory());
                    columns.Add([.. reals.Select(r => r.ToString(CultureInfo.InvariantCulture))]);
                }
            }
            for (int r = 0; r < count; r++) rows.Add([.. columns.Select(column => column[r])]);
        }
        return rows;
    }

    public static IEnumerable<string> Lines(IEnumerable<string[]> records) => records.Select(fields => string.Join('\u001f', fields));
}
