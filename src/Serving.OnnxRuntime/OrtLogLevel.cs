namespace Serving.OnnxRuntime;

/// <summary>ORT's log severities (<c>OrtLoggingLevel</c>), least severe first.</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
