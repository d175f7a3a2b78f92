namespace VaeToolkit.PowerShell;

/// <summary>What -Device accepts: the devices the engines know, checked before anything loads.</summary>
internal static class DevicePattern
{
    public const string Value = @"^(cpu|cuda|cuda:\d+)$";
}
