namespace VaeToolkit.Configuration;

/// <summary>The values <c>precision</c> accepts.</summary>
public static class Precisions
{
    public const string Fp32 = "fp32";
    public const string Tf32 = "tf32";
    public const string Bf16 = "bf16";
    public const string Fp16 = "fp16";

    public static readonly string[] All = [Fp32, Tf32, Bf16, Fp16];
}
