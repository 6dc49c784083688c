namespace Serving.Models.Pipelines.Face;

/// <summary>An image given for a face operation has no detectable face.</summary>
/// <remarks>
/// The request is well-formed but cannot be served in the state of its input: the gRPC layer maps this
/// to <c>FAILED_PRECONDITION</c>. The message names the image (e.g. "image_a") so the caller knows which.
/// </remarks>
public sealed class NoFaceException : Exception
{
    /// <summary>Creates the error for the image called <paramref name="image"/>.</summary>
    public NoFaceException(string image)
        : base($"No face was found in {image}.") => Image = image;

    /// <summary>Which image had no face, as the caller named it.</summary>
    public string Image { get; }
}
