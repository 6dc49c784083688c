namespace Serving.LoadTest;

/// <summary>What a load test does: where, how much, which mix; see <c>serving loadtest --help</c>.</summary>
public sealed class LoadTestOptions
{
    /// <summary>Router endpoint, <c>host:port</c> or <c>http(s)://host:port</c>.</summary>
    public string Endpoint { get; set; } = "127.0.0.1:8001";

    /// <summary>Length of the measured part of the run (after <see cref="Warmup"/>).</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests per second of the constant and Poisson schedules, and of the warm-up.</summary>
    public double Rate { get; set; } = 20;

    /// <summary><c>constant</c>, <c>poisson</c>, <c>step:RATE@T,...</c>, <c>ramp:A..B</c> or <c>trace:FILE</c>.</summary>
    public string Schedule { get; set; } = "constant";

    /// <summary>Closed loop with this many callers instead of the open-loop schedule; null = open loop.</summary>
    public int? Concurrency { get; set; }

    /// <summary>Task weights, e.g. <c>verify=2,segment=1,embed=1,detect=1,infer=1</c>.</summary>
    public string Mix { get; set; } = "verify=2,segment=1,embed=1,detect=1";

    /// <summary>SLO class weights, e.g. <c>interactive=3,batch=1</c>; budgets come from the router's status.</summary>
    public string Slo { get; set; } = "interactive=3,batch=1";

    /// <summary>One folder of images for every task; null = the dev sets (faces for face tasks, person photos for segmentation).</summary>
    public string? ImagesDirectory { get; set; }

    /// <summary>The dev sets' root (<c>../shared/data</c>); null = found automatically.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Requests sent before measuring (at <see cref="Rate"/>, or by the closed loop), not in the report.</summary>
    public TimeSpan Warmup { get; set; } = TimeSpan.Zero;

    /// <summary>Stop after this many measured requests; null = when the schedule ends.</summary>
    public long? MaxRequests { get; set; }

    /// <summary>Serve the load tester's own Prometheus metrics on this port (0 = any free port); null = none.</summary>
    public int? MetricsPort { get; set; }

    /// <summary>Seed of every random choice (arrivals, mix, images, jitter).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>API key (sent as <c>authorization: Bearer</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Attempts per request (retries on UNAVAILABLE inside the deadline); 1 = what a client without retries sees.</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>Model or task alias of the raw v2 <c>infer</c> requests.</summary>
    public string InferModel { get; set; } = "face-embedding";

    /// <summary>Fault steps, e.g. <c>kill:1234@10s</c>, <c>stop:1234@10s</c>, <c>cont:1234@20s</c>.</summary>
    public IList<string> Faults { get; } = [];

    /// <summary>Every problem with these options (empty when usable).</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            errors.Add("--endpoint is required.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            errors.Add("--duration must be positive.");
        }

        if (Concurrency is < 1)
        {
            errors.Add("--concurrency must be at least 1.");
        }

        if (MaxRequests is < 1)
        {
            errors.Add("--max-requests must be at least 1.");
        }

        if (Warmup < TimeSpan.Zero)
        {
            errors.Add("--warmup must not be negative.");
        }

        if (Attempts < 1)
        {
            errors.Add("--attempts must be at least 1.");
        }

        if (MetricsPort is < 0 or > 65535)
        {
            errors.Add("--metrics-port must be in 0..65535.");
        }

        return errors;
    }
}
