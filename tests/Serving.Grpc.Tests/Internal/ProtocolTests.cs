using System.Net;
using Microsoft.AspNetCore.Http;
using Serving.Grpc.Internal;

namespace Serving.Grpc.Tests.Internal;

public sealed class ProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("100n", 1L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    [InlineData("0m", 0L)]
    public void GrpcTimeout_TryParse_ValidValue_ReturnsTicks(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    public void GrpcTimeout_TryParse_InvalidValue_ReturnsFalse(string value) =>
        Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(15_000L, "1500u")]
    [InlineData(1L, "1u")]
    [InlineData(0L, "1n")]
    [InlineData(-5L, "1n")]
    [InlineData(50_000_000_000L, "5000000m")]
    [InlineData(36_000_000_000_000L, "3600000S")]
    public void GrpcTimeout_Format_PicksFinestUnitThatFits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void GrpcTimeout_FormatThenParse_NeverShortensTheBudget()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var ticks = (long)(random.NextDouble() * TimeSpan.FromDays(3000).Ticks);
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(TimeSpan.FromTicks(ticks)), out var parsed));
            Assert.True(parsed.Ticks >= ticks, $"{ticks} became {parsed.Ticks}");
        }
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("café ✓", "caf%C3%A9 %E2%9C%93")]
    public void PercentEncoding_Encode_EncodesNonPrintableAndPercent(string value, string expected) =>
        Assert.Equal(expected, PercentEncoding.Encode(value));

    [Theory]
    [InlineData("caf%C3%A9 %E2%9C%93", "café ✓")]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("trailing %4", "trailing %4")]
    [InlineData("lower %c3%a9", "lower é")]
    public void PercentEncoding_Decode_IsLenient(string value, string expected) =>
        Assert.Equal(expected, PercentEncoding.Decode(value));

    [Fact]
    public void MetadataCodec_BinaryValue_EncodedUnpaddedAndDecodedWithOrWithoutPadding()
    {
        var bytes = new byte[] { 0, 1, 2, 250, 255 };
        var entry = new Metadata.Entry("x-data-bin", bytes);

        var wire = MetadataCodec.EncodeValue(entry);

        Assert.DoesNotContain('=', wire);
        Assert.Equal(bytes, MetadataCodec.DecodeBinary(wire));
        Assert.Equal(bytes, MetadataCodec.DecodeBinary(Convert.ToBase64String(bytes)));
    }

    [Fact]
    public void MetadataCodec_FromHeaders_SkipsReservedAndSplitsCombinedBinaryValues()
    {
        var headers = new HeaderDictionary
        {
            ["content-type"] = "application/grpc",
            ["grpc-timeout"] = "1S",
            ["te"] = "trailers",
            ["x-name"] = "value",
            ["x-data-bin"] = MetadataCodec.EncodeBinary([1, 2, 3]) + "," + MetadataCodec.EncodeBinary([4]),
        };

        var metadata = MetadataCodec.FromHeaders(headers);

        Assert.Equal(3, metadata.Count);
        Assert.Equal("value", metadata.GetValue("x-name"));
        Assert.Equal(new byte[][] { [1, 2, 3], [4] }, metadata.GetAll("x-data-bin").Select(e => e.ValueBytes));
    }

    [Fact]
    public void Metadata_Entry_RejectsInvalidKeysAndValues()
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("bad key", "v"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-bin", "ascii value on binary key"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-text", new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("x-text", "line\nbreak"));
        Assert.Equal("x-upper", new Metadata.Entry("X-Upper", "v").Key);
    }

    [Fact]
    public void Metadata_Empty_IsReadOnly() =>
        Assert.Throws<InvalidOperationException>(() => Metadata.Empty.Add("x-a", "b"));

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, StatusCode.Internal)]
    [InlineData(HttpStatusCode.Unauthorized, StatusCode.Unauthenticated)]
    [InlineData(HttpStatusCode.Forbidden, StatusCode.PermissionDenied)]
    [InlineData(HttpStatusCode.NotFound, StatusCode.Unimplemented)]
    [InlineData(HttpStatusCode.TooManyRequests, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.BadGateway, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.ServiceUnavailable, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout, StatusCode.Unavailable)]
    [InlineData(HttpStatusCode.InternalServerError, StatusCode.Unknown)]
    [InlineData(HttpStatusCode.UnsupportedMediaType, StatusCode.Unknown)]
    public void StatusMapping_FromHttpStatus_FollowsGrpcSpec(HttpStatusCode http, StatusCode expected) =>
        Assert.Equal(expected, StatusMapping.FromHttpStatus(http));

    [Theory]
    [InlineData(0x0L, StatusCode.Internal)]
    [InlineData(0x1L, StatusCode.Internal)]
    [InlineData(0x7L, StatusCode.Unavailable)]
    [InlineData(0x8L, StatusCode.Cancelled)]
    [InlineData(0xBL, StatusCode.ResourceExhausted)]
    [InlineData(0xCL, StatusCode.PermissionDenied)]
    public void StatusMapping_FromHttp2ErrorCode_FollowsGrpcSpec(long code, StatusCode expected) =>
        Assert.Equal(expected, StatusMapping.FromHttp2ErrorCode(code));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void GrpcProtocol_IsGrpcContentType_AcceptsProtoVariantsOnly(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
