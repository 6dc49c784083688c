namespace Serving.Models.Imaging;

/// <summary>
/// The bytes are not an image this service accepts: empty, truncated, not JPEG/PNG, or over the limits.
/// </summary>
/// <remarks>
/// A caller's mistake, never a server fault: the gRPC layer maps it to <c>INVALID_ARGUMENT</c> and passes
/// <see cref="Exception.Message"/> through, so the message says what was wrong in the caller's terms.
/// </remarks>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the error with a message for the caller.</summary>
    public ImageDecodeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message for the caller and the underlying cause.</summary>
    public ImageDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
