// Writes a large, shuffled user,item interactions file for the batch scoring benchmark (README,
// "Batch scoring"): users' rows are spread over the whole file, so the job must group them.
//   dotnet run bench/generate-interactions.cs -- <model dir> <output.csv> <users> [mean items per user] [seed]
// Items are drawn by the model's popularity (items.tsv), each user's count from a geometric
// distribution with the given mean (70 by default: 1M users give about 70M rows).
using System.Globalization;
using System.Text;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: generate-interactions.cs <model dir> <output.csv> <users> [mean items per user] [seed]");
    return 2;
}
string modelDirectory = args[0], output = args[1];
int users = int.Parse(args[2], CultureInfo.InvariantCulture);
double mean = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 70;
var random = new Random(args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1);

// items.tsv: index, item_id, popularity, name.
var items = File.ReadLines(Path.Combine(modelDirectory, "items.tsv")).Skip(1).Select(line => line.Split('\t')).ToArray();
byte[][] itemIds = [.. items.Select(fields => Encoding.UTF8.GetBytes(fields[1]))];
double[] cumulative = new double[items.Length];
double total = 0;
for (int i = 0; i < items.Length; i++) cumulative[i] = total += 1 + double.Parse(items[i][2], CultureInfo.InvariantCulture);

var rows = new List<long>(checked((int)(users * mean * 1.1)));
for (int u = 0; u < users; u++)
{
    int count = 1 + (int)Math.Floor(Math.Log(1 - random.NextDouble()) / Math.Log(1 - 1 / mean));
    var chosen = new HashSet<int>();
    while (chosen.Count < Math.Min(count, items.Length))
    {
        int at = Array.BinarySearch(cumulative, random.NextDouble() * total);
        chosen.Add(at < 0 ? ~at : at);
    }
    foreach (int item in chosen) rows.Add(((long)u << 32) | (uint)item);
}
var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
random.Shuffle(span);

using var stream = new BufferedStream(File.Create(output), 1 << 20);
stream.Write("user_id,item_id\n"u8);
Span<byte> number = stackalloc byte[16];
foreach (long row in rows)
{
    stream.Write("u"u8);
    ((int)(row >> 32)).TryFormat(number, out int written, provider: CultureInfo.InvariantCulture);
    stream.Write(number[..written]);
    stream.WriteByte((byte)',');
    stream.Write(itemIds[(int)(uint)row]);
    stream.WriteByte((byte)'\n');
}
Console.Error.WriteLine($"{output}: {users:N0} users, {rows.Count:N0} rows");
return 0;
