namespace Serving.Grpc;

/// <summary>Status codes as the gRPC specification spells them (<c>DEADLINE_EXCEEDED</c>), for metric labels and messages.</summary>
public static class StatusCodeNames
{
    // Built once: metric labels ask on every request.
    private static readonly string[] Names = Enumerable.Range(0, 17).Select(i => Spell((StatusCode)i)).ToArray();

    /// <summary>The specification's name of <paramref name="code"/>; the number for a code outside the specification.</summary>
    public static string Of(StatusCode code) =>
        (uint)code < (uint)Names.Length ? Names[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Spell(StatusCode code)
    {
        var name = code.ToString();
        return code == StatusCode.OK
            ? "OK"
            : string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) && char.IsLower(name[i - 1]) ? "_" + c : c.ToString())).ToUpperInvariant();
    }
}
