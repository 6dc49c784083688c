namespace Serving.OnnxRuntime;

/// <summary>ONNX Runtime's error codes (<c>OrtErrorCode</c>); codes added by later runtimes pass through as numbers.</summary>
public enum OrtErrorCode
{
    Ok = 0,
    Fail = 1,
    InvalidArgument = 2,
    NoSuchFile = 3,
    NoModel = 4,
    EngineError = 5,
    RuntimeException = 6,
    InvalidProtobuf = 7,
    ModelLoaded = 8,
    NotImplemented = 9,
    InvalidGraph = 10,
    EpFail = 11,
}

/// <summary>A failed ONNX Runtime call: ORT's error code and its message, unchanged.</summary>
public class OrtException : Exception
{
    public OrtException(OrtErrorCode errorCode, string message)
        : base($"[ONNX Runtime {errorCode}] {message}")
    {
        ErrorCode = errorCode;
        OrtMessage = message;
    }

    public OrtException(OrtErrorCode errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        OrtMessage = message;
    }

    /// <summary>ORT's error code.</summary>
    public OrtErrorCode ErrorCode { get; }

    /// <summary>ORT's message, without the code prefix this exception's <see cref="Exception.Message"/> adds.</summary>
    public string OrtMessage { get; }
}

/// <summary>The ONNX Runtime native library could not be found or loaded; the message says how to fix it.</summary>
public sealed class OrtLibraryNotFoundException : Exception
{
    public OrtLibraryNotFoundException(string message)
        : base(message)
    {
    }

    public OrtLibraryNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
