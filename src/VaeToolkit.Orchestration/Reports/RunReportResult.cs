namespace VaeToolkit.Orchestration.Reports;

/// <summary>A run report as written: where it is, its training curves (null when there were none to draw), and its Markdown.</summary>
public sealed record RunReportResult(string RunPath, string ReportPath, string? CurvesPath, string Markdown);
