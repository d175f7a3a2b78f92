using ScottPlot;
using SkiaSharp;

namespace VaeToolkit.Orchestration.Reports;

/// <summary>
/// DejaVu Sans, embedded in this assembly and offered to ScottPlot under <see cref="FamilyName"/>: the
/// curves' text renders the same everywhere, also where Skia finds no system font (its Linux build reads
/// none without /usr/share/fonts, and then draws no text at all). One face serves every weight and slant.
/// </summary>
internal sealed class BundledFont : IFontResolver
{
    public const string FamilyName = "VaeToolkit DejaVu Sans";

    private const string ResourceName = "VaeToolkit.Orchestration.Reports.DejaVuSans.ttf";

    private static readonly Lock Registering = new();
    private static bool registered;

    private readonly SKData data;

    private BundledFont(SKData data) => this.data = data;

    /// <summary>Adds the font to ScottPlot's resolvers, once per process.</summary>
    public static void Register()
    {
        lock (Registering)
        {
            if (registered) return;
            using Stream stream = typeof(BundledFont).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"the assembly lacks its font resource {ResourceName}");
            Fonts.FontResolvers.Insert(0, new BundledFont(SKData.Create(stream)));
            registered = true;
        }
    }

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) => Create(fontName);

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Create(fontName);

    // ScottPlot owns (and disposes) what it is given, so each call gets a typeface of its own.
    private SKTypeface? Create(string fontName) => fontName == FamilyName ? SKTypeface.FromData(data) : null;
}
