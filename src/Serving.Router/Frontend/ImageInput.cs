using Google.Protobuf;
using Serving.Grpc;
using Serving.Models.Imaging;

namespace Serving.Router.Frontend;

/// <summary>Decodes a request's image field, turning every problem into INVALID_ARGUMENT that names the field.</summary>
internal static class ImageInput
{
    /// <exception cref="RpcException">INVALID_ARGUMENT: empty, not an image, truncated, or over the size limits.</exception>
    public static RgbImage Decode(ByteString bytes, string field, ImageLimits limits)
    {
        if (bytes.IsEmpty)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is empty: send JPEG or PNG bytes"));
        }

        try
        {
            return ImageCodec.Decode(bytes.Span, limits);
        }
        catch (ImageDecodeException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: {ex.Message}"));
        }
    }
}
