namespace Serving.LoadTest.Workload;

/// <summary>What a load-test request asks the router.</summary>
internal enum TaskKind
{
    Verify,
    Embed,
    Detect,
    Segment,
    Infer,
}

internal static class TaskKinds
{
    public static string Name(this TaskKind kind) => kind switch
    {
        TaskKind.Verify => "verify",
        TaskKind.Embed => "embed",
        TaskKind.Detect => "detect",
        TaskKind.Segment => "segment",
        _ => "infer",
    };

    public static bool TryParse(string text, out TaskKind kind)
    {
        foreach (var candidate in Enum.GetValues<TaskKind>())
        {
            if (string.Equals(candidate.Name(), text, StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
