namespace VaeToolkit.PowerShell;

/// <summary>The error ids the cmdlets report (the first part of an error's FullyQualifiedErrorId).</summary>
internal static class ErrorIds
{
    public const string InvalidConfig = "InvalidConfig";
    public const string ConfigNotFound = "ConfigNotFound";
    public const string InvalidData = "InvalidData";
    public const string DataNotFound = "DataNotFound";
    public const string DatasetUnavailable = "DatasetUnavailable";
    public const string ModelIncomplete = "ModelIncomplete";
    public const string InvalidModel = "InvalidModel";
    public const string DeviceUnavailable = "DeviceUnavailable";
    public const string RunDirectoryNotEmpty = "RunDirectoryNotEmpty";
    public const string CheckpointNotFound = "CheckpointNotFound";
    public const string RunInUse = "RunInUse";
    public const string ResumeRefused = "ResumeRefused";
    public const string PathNotFound = "PathNotFound";
    public const string AmbiguousPath = "AmbiguousPath";
    public const string NotFileSystemPath = "NotFileSystemPath";
    public const string UnknownUser = "UnknownUser";
    public const string NoKnownItems = "NoKnownItems";
    public const string UnknownItem = "UnknownItem";
    public const string IncludeSeenNotSupported = "IncludeSeenNotSupported";
    public const string FileAccessFailed = "FileAccessFailed";
    public const string OperationFailed = "OperationFailed";
    public const string InvalidArgument = "InvalidArgument";
    public const string InferenceFailed = "InferenceFailed";
    public const string NativeLibraryFailed = "NativeLibraryFailed";
    public const string OutOfMemory = "OutOfMemory";
    public const string SweepPlanChanged = "SweepPlanChanged";
    public const string TrialFailed = "TrialFailed";
    public const string ServerFailed = "ServerFailed";
    public const string RunNotEvaluated = "RunNotEvaluated";
    public const string RunsNotComparable = "RunsNotComparable";
}
