using System.Globalization;
using Spectre.Console;

namespace Serving.LoadTest.Running;

/// <summary>
/// Shows a run's progress while it runs: a live Spectre.Console table on a terminal, or one plain
/// line every few seconds when output is redirected (logs and CI stay readable).
/// </summary>
public static class LiveProgress
{
    /// <summary>Shows <paramref name="progress"/> until <paramref name="run"/> completes, then returns its result.</summary>
    public static async Task<T> ShowAsync<T>(Func<ProgressSnapshot> progress, Task<T> run, TextWriter plain)
    {
        if (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Live(Render(progress())).AutoClear(false).StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    await Task.WhenAny(run, Task.Delay(TimeSpan.FromMilliseconds(500))).ConfigureAwait(false);
                    context.UpdateTarget(Render(progress()));
                }
            }).ConfigureAwait(false);
        }
        else
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
                if (!run.IsCompleted)
                {
                    await plain.WriteLineAsync(Line(progress())).ConfigureAwait(false);
                }
            }
        }

        return await run.ConfigureAwait(false);
    }

    /// <summary>One line of progress, e.g. for logs.</summary>
    public static string Line(ProgressSnapshot p) => string.Create(CultureInfo.InvariantCulture,
        $"[{p.Phase}] {p.Elapsed.TotalSeconds:0}/{p.Total.TotalSeconds:0} s  sent {p.Sent}  answered {p.Completed}  ok {p.Ok}  in SLO {p.InSlo}  in flight {p.InFlight}  p50 {p.P50Ms:0.#} ms  p99 {p.P99Ms:0.#} ms");

    private static Table Render(ProgressSnapshot p)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"serving loadtest: {p.Phase}");
        foreach (var column in new[] { "elapsed", "sent", "answered", "ok", "in SLO", "in flight", "p50 ms", "p99 ms" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        var fraction = p.Total > TimeSpan.Zero ? Math.Min(1, p.Elapsed / p.Total) : 0;
        table.AddRow(
            string.Create(CultureInfo.InvariantCulture, $"{p.Elapsed.TotalSeconds:0}/{p.Total.TotalSeconds:0} s ({fraction:P0})"),
            p.Sent.ToString(CultureInfo.InvariantCulture), p.Completed.ToString(CultureInfo.InvariantCulture),
            p.Ok.ToString(CultureInfo.InvariantCulture), p.InSlo.ToString(CultureInfo.InvariantCulture), p.InFlight.ToString(CultureInfo.InvariantCulture),
            p.P50Ms.ToString("0.#", CultureInfo.InvariantCulture), p.P99Ms.ToString("0.#", CultureInfo.InvariantCulture));
        return table;
    }
}
