using System.Text.Json;
using System.Text.RegularExpressions;

namespace Serving.Deployment.Tests.Container;

/// <summary>One instruction of a Dockerfile: keyword (upper case) and its arguments, continuations joined.</summary>
internal sealed record Instruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The exec (JSON array) form's elements, or null for the shell form.</summary>
    public string[]? ExecForm(string? text = null)
    {
        var body = (text ?? Arguments).Trim();
        if (!body.StartsWith('['))
        {
            return null;
        }

        return JsonSerializer.Deserialize<string[]>(body);
    }
}

/// <summary>A build stage: its base, its name and its instructions.</summary>
internal sealed record Stage(string From, string? Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public Instruction? Last(string keyword) => All(keyword).LastOrDefault();
}

/// <summary>
/// A small Dockerfile reader: comments, blank lines, backslash continuations, parser directives,
/// global ARGs and stages. Enough to check the structure without a Docker engine.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<Instruction> globalArgs, IReadOnlyList<Stage> stages)
    {
        GlobalArgs = globalArgs;
        Stages = stages;
    }

    public IReadOnlyList<Instruction> GlobalArgs { get; }

    public IReadOnlyList<Stage> Stages { get; }

    public Stage this[string name] => Stages.Single(s => s.Name == name);

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var pending = "";
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (pending.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue;
            }

            if (pending.Length > 0 && trimmed.StartsWith('#'))
            {
                // Comment lines inside a continued instruction are dropped, as docker does.
                continue;
            }

            if (pending.Length == 0)
            {
                start = i + 1;
            }

            if (line.TrimEnd().EndsWith('\\'))
            {
                pending += line.TrimEnd()[..^1] + " ";
                continue;
            }

            var full = (pending + line).Trim();
            pending = "";
            var match = InstructionPattern().Match(full);
            if (!match.Success)
            {
                throw new FormatException($"line {start}: not an instruction: {full}");
            }

            instructions.Add(new Instruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim(), start));
        }

        if (pending.Length > 0)
        {
            throw new FormatException("the file ends inside a continued instruction");
        }

        var globalArgs = instructions.TakeWhile(i => i.Keyword != "FROM").ToArray();
        if (globalArgs.Any(i => i.Keyword != "ARG"))
        {
            throw new FormatException("only ARG may come before the first FROM");
        }

        var stages = new List<Stage>();
        foreach (var instruction in instructions.Skip(globalArgs.Length))
        {
            if (instruction.Keyword == "FROM")
            {
                var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--")).ToArray();
                var name = parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                if (parts.Length is not (1 or 3))
                {
                    throw new FormatException($"line {instruction.Line}: FROM <image> [AS <name>]");
                }

                stages.Add(new Stage(parts[0], name, []));
            }
            else
            {
                var last = stages[^1];
                stages[^1] = last with { Instructions = [.. last.Instructions, instruction] };
            }
        }

        return new Dockerfile(globalArgs, stages);
    }

    /// <summary>The default of a global ARG (the value after '='), or null.</summary>
    public string? GlobalArgDefault(string name) =>
        GlobalArgs.Select(a => a.Arguments.Split('=', 2)).Where(p => p[0] == name && p.Length == 2).Select(p => p[1].Trim('"')).FirstOrDefault();

    [GeneratedRegex(@"^([A-Za-z]+)\s+(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();
}
