namespace Serving.Grpc.Tests;

/// <summary>Codes are spelled as the gRPC specification does, e.g. in metric labels and CLI errors.</summary>
public sealed class StatusCodeNamesTests
{
    [Theory]
    [InlineData(StatusCode.OK, "OK")]
    [InlineData(StatusCode.DeadlineExceeded, "DEADLINE_EXCEEDED")]
    [InlineData(StatusCode.ResourceExhausted, "RESOURCE_EXHAUSTED")]
    [InlineData(StatusCode.Unauthenticated, "UNAUTHENTICATED")]
    [InlineData((StatusCode)42, "42")]
    public void Of_Code_SpecificationName(StatusCode code, string expected) => Assert.Equal(expected, StatusCodeNames.Of(code));
}
