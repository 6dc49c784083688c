using System.Globalization;
using Serving.Grpc;
using Serving.Protocol.V1;
using Serving.Router.Remote;
using Serving.Router.Reporting;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Workers;

namespace Serving.Router.Tasks;

/// <summary>
/// What every front end (task API, KServe v2) does around its pipeline: resolve the SLO class and
/// budget, select the variant and worker, reject at once when nothing fits, and account for the
/// outcome (metrics, ServedBy).
/// </summary>
/// <remarks>
/// The budget is the gRPC deadline when the caller set one, else receipt + the class budget; the
/// class still names the percentile predictions use. The catalogue's quality numbers decide among
/// variants; <see cref="RouterCatalog"/> holds the catalogue.
/// </remarks>
internal sealed class TaskFrontend(
    RouterCatalog catalog,
    SloClassCatalog sloClasses,
    IVariantSelector selector,
    WorkerLoadTracker tracker,
    RemoteInferenceContext remote,
    RouterMetrics metrics,
    RouterOptions options,
    TimeProvider time)
{
    private readonly PipelineOverhead _overhead = new();

    /// <summary>The catalogue in use.</summary>
    public CatalogSnapshot Catalog => catalog.Current;

    /// <summary>Selects the variant of <paramref name="task"/> for one request.</summary>
    /// <exception cref="RpcException">
    /// INVALID_ARGUMENT (unknown SLO class, negative min quality), NOT_FOUND (unknown task or pinned
    /// variant), RESOURCE_EXHAUSTED <c>slo_unattainable</c>, FAILED_PRECONDITION (synthetic not
    /// allowed, below min quality), UNAVAILABLE (no ready worker), DEADLINE_EXCEEDED.
    /// </exception>
    public Admission Admit(string task, RequestOptions? requestOptions, ServerCallContext context)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        requestOptions ??= new RequestOptions();
        if (!sloClasses.TryResolve(requestOptions.SloClass, out var slo))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"unknown SLO class '{requestOptions.SloClass}'; this router offers {string.Join(", ", sloClasses.Classes.Select(c => c.Name).Order(StringComparer.Ordinal))}"));
        }

        if (double.IsNaN(requestOptions.MinQuality) || requestOptions.MinQuality < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"min_quality must be a number >= 0 (got {requestOptions.MinQuality})"));
        }

        var grpcDeadline = GrpcDeadline(context);
        var budgetEnd = SelectionRequest.Create(task, slo, now, grpcDeadline).Deadline;
        // The variant gets what the rest of the pipeline (measured) leaves of the budget.
        var request = new SelectionRequest(task, slo, budgetEnd - _overhead.Estimate(task, slo.Percentile))
        {
            MinQuality = requestOptions.MinQuality,
            PinnedVariant = string.IsNullOrEmpty(requestOptions.PinnedVariant) ? null : requestOptions.PinnedVariant,
            BestEffort = requestOptions.BestEffort,
            ExcludedWorkers = remote.Dispatcher.ExcludedWorkers,
            LateAnswerRescued = options.Dispatch.Rescue && !requestOptions.BestEffort && string.IsNullOrEmpty(requestOptions.PinnedVariant),
        };
        var choice = selector.Select(request, tracker.Current, catalog.Current, now);
        metrics.Selected(task, choice.Variant?.Name, choice.Reason);
        if (choice.IsRejected)
        {
            metrics.Completed(task, null, slo.Name, choice.Code, time.GetElapsedTime(started), withinBudget: false);
            throw new RpcException(new Status(choice.Code, Explain(task, request, choice, now)));
        }

        var preferred = new Dictionary<string, string>(StringComparer.Ordinal) { [choice.Variant!.Name] = choice.Worker! };
        var runner = new RemoteModelRunner(remote, slo, HardDeadline(grpcDeadline, now), preferred);
        return new Admission(task, slo, budgetEnd, choice, runner, started) { Selection = request };
    }

    /// <summary>
    /// Admits a v2 request for a model the catalogue does not list but a worker serves: no variant
    /// choice (the caller named the model), the default class for accounting.
    /// </summary>
    /// <exception cref="RpcException">UNAVAILABLE when no ready worker serves it.</exception>
    public Admission AdmitModel(string model, ServerCallContext context)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var task = "model:" + model;
        var worker = tracker.Current.RoutableFor(model).Select(w => w.Worker.Id).FirstOrDefault();
        if (worker is null)
        {
            metrics.Selected(task, null, SelectionReasons.NoReadyWorker);
            throw new RpcException(new Status(StatusCode.Unavailable, $"{SelectionReasons.NoReadyWorker}: no ready worker serves model '{model}'"));
        }

        var slo = sloClasses.Default;
        var grpcDeadline = GrpcDeadline(context);
        var choice = VariantChoice.Use(new VariantInfo(model, task, 0), worker, TimeSpan.Zero, SelectionReasons.Pinned);
        metrics.Selected(task, model, choice.Reason);
        var runner = new RemoteModelRunner(remote, slo, HardDeadline(grpcDeadline, now));
        return new Admission(task, slo, grpcDeadline ?? now + slo.Budget, choice, runner, started);
    }

    private static DateTimeOffset? GrpcDeadline(ServerCallContext context) =>
        context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(DateTime.SpecifyKind(context.Deadline, DateTimeKind.Utc));

    // The class budget decides selection and SLO accounting; without a gRPC deadline a late answer
    // is still an answer, so the worker calls are bounded by a generous cap rather than the budget.
    private DateTimeOffset HardDeadline(DateTimeOffset? grpcDeadline, DateTimeOffset now) =>
        grpcDeadline ?? now + options.MaxRequestDuration;

    /// <summary>Accounts for a finished request (call once, with OK or the failure's code).</summary>
    public TimeSpan Complete(Admission admission, StatusCode code)
    {
        var elapsed = time.GetElapsedTime(admission.StartedTimestamp);
        // A rescue's time includes the wait for the first choice: not the pipeline's overhead.
        if (code == StatusCode.OK && !admission.Rescue && !admission.Task.StartsWith("model:", StringComparison.Ordinal))
        {
            _overhead.Record(admission.Task, elapsed, admission.Runner.LongestCall(admission.Variant.Name));
        }

        var within = time.GetUtcNow() <= admission.Deadline;
        metrics.Completed(admission.Task, admission.Variant.Name, admission.Slo.Name, code, elapsed, within);
        var runner = admission.Runner;
        metrics.ExtraAttempts(admission.Task, runner.Attempts - runner.Runs - runner.Hedges, runner.Hedges);
        return elapsed;
    }

    /// <summary>Time since the request arrived.</summary>
    public TimeSpan Elapsed(Admission admission) => time.GetElapsedTime(admission.StartedTimestamp);

    /// <summary>The ServedBy of a successful request.</summary>
    public ServedBy ServedBy(Admission admission, TimeSpan elapsed)
    {
        var runner = admission.Runner;
        return new ServedBy
        {
            Variant = admission.Variant.Name,
            Worker = runner.ServedBy.GetValueOrDefault(admission.Variant.Name, admission.Choice.Worker!),
            QueueMs = runner.QueueMicros / 1000.0,
            ComputeMs = runner.ComputeMicros / 1000.0,
            TotalMs = elapsed.TotalMilliseconds,
            SelectionReason = RouterMetrics.ReasonLabel(admission.Choice.Reason),
        };
    }

    /// <summary>
    /// Runs <paramref name="pipeline"/> for an admitted request, accounting for its outcome; with a
    /// rescue (<see cref="DispatchOptions.Rescue"/>) the pipeline may run a second time, concurrently,
    /// with a cheaper variant's admission, and must use the admission and token it is given.
    /// </summary>
    /// <remarks>
    /// <para>A rescue applies to variants the SLO-aware selector chose (not pinned, best-effort or
    /// fixed-policy requests) when the catalogue has a cheaper variant the request accepts. It
    /// starts when the first choice has not answered by the deadline less
    /// <see cref="DispatchOptions.RescueWindowFactor"/> × (the cheaper variant's predicted completion
    /// + the task's pipeline overhead), or at once when the first choice fails with
    /// DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED or UNAVAILABLE before the deadline (a worker shed it or
    /// every worker failed). It selects again among variants below the first choice's quality with
    /// what is left of the budget; when nothing fits, there is no rescue. The first successful answer
    /// wins and the other run is cancelled, and awaited, before this returns.</para>
    /// <para>A late answer is worth nothing to the caller, a cheaper one in time is: this turns the
    /// tail of the first choice (a batch slowed by the shared cores, a stale report) into answers
    /// of slightly lower quality, at the cost of a cheap second request for the few that run late.</para>
    /// </remarks>
    public async Task<T> RunAsync<T>(Admission admission, Func<Admission, CancellationToken, Task<T>> pipeline, CancellationToken cancellationToken)
    {
        if (!CanRescue(admission))
        {
            return await FinishAsync(admission, pipeline(admission, cancellationToken)).ConfigureAwait(false);
        }

        using var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var primary = pipeline(admission, first.Token);
        if (RescueStart(admission) is { } startAt)
        {
            if (startAt > time.GetUtcNow())
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(primary, Task.Delay(startAt - time.GetUtcNow(), time, timer.Token)).ConfigureAwait(false);
                await timer.CancelAsync().ConfigureAwait(false);
            }
        }
        else
        {
            // Nothing cheaper fits now: a rescue only if the first choice fails early.
            await ((Task)primary).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var rescue = cancellationToken.IsCancellationRequested || primary.IsCompletedSuccessfully || (primary.IsCompleted && !Rescuable(primary, admission))
            ? null
            : Readmit(admission);
        if (rescue is null)
        {
            return await FinishAsync(admission, primary).ConfigureAwait(false);
        }

        using var second = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var backup = pipeline(rescue, second.Token);
        if (primary.IsCompleted)
        {
            return await FinishAsync(rescue, backup).ConfigureAwait(false);
        }

        // The first success answers; when both fail, the first choice's failure does.
        var done = await Task.WhenAny(primary, backup).ConfigureAwait(false);
        var winner = done;
        if (!done.IsCompletedSuccessfully)
        {
            var other = done == primary ? backup : primary;
            await ((Task)other).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            winner = other.IsCompletedSuccessfully ? other : primary;
        }

        var loser = winner == primary ? backup : primary;
        await (loser == primary ? first : second).CancelAsync().ConfigureAwait(false);
        await ((Task)loser).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await FinishAsync(winner == backup ? rescue : admission, winner).ConfigureAwait(false);
    }

    private async Task<T> FinishAsync<T>(Admission admission, Task<T> run)
    {
        try
        {
            var result = await run.ConfigureAwait(false);
            Complete(admission, StatusCode.OK);
            return result;
        }
        catch (Exception ex)
        {
            Complete(admission, Admission.CodeOf(ex));
            throw;
        }
    }

    private bool CanRescue(Admission admission) =>
        options.Dispatch.Rescue
        && admission.Selection is { BestEffort: false, PinnedVariant: null } selection
        && RouterMetrics.ReasonLabel(admission.Choice.Reason) is SelectionReasons.BestFit or SelectionReasons.LowerRisk or SelectionReasons.InReserve
        && catalog.Current.VariantsOf(admission.Task).Any(v => v.Quality < admission.Variant.Quality && v.Quality >= selection.MinQuality && VariantEvaluator.IsAllowed(v, catalog.Current));

    // Failures another, cheaper variant may answer in time: shed by a worker, or no worker left.
    private bool Rescuable<T>(Task<T> failed, Admission admission) =>
        time.GetUtcNow() < admission.Deadline
        && failed.Exception?.InnerException is RpcException { StatusCode: StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Unavailable };

    // The admission's request already plans with the budget less the pipeline overhead (Admit).
    private SelectionRequest RescueRequest(Admission admission) => admission.Selection! with
    {
        QualityCeiling = admission.Variant.Quality,
        ExcludedWorkers = remote.Dispatcher.ExcludedWorkers,
    };

    // When a rescue would start if the first choice is still running: the deadline less the window. Null when nothing cheaper fits now.
    private DateTimeOffset? RescueStart(Admission admission)
    {
        var choice = selector.Select(RescueRequest(admission), tracker.Current, catalog.Current, time.GetUtcNow());
        if (choice.IsRejected)
        {
            return null;
        }

        var overhead = admission.Deadline - admission.Selection!.Deadline;
        var window = (choice.PredictedCompletion + overhead) * options.Dispatch.RescueWindowFactor;
        return admission.Deadline - window;
    }

    private Admission? Readmit(Admission admission)
    {
        var choice = selector.Select(RescueRequest(admission), tracker.Current, catalog.Current, time.GetUtcNow());
        if (choice.IsRejected)
        {
            return null;
        }

        metrics.Selected(admission.Task, choice.Variant!.Name, SelectionReasons.Rescue);
        var preferred = new Dictionary<string, string>(StringComparer.Ordinal) { [choice.Variant.Name] = choice.Worker! };
        return admission with
        {
            Choice = VariantChoice.Use(choice.Variant, choice.Worker!, choice.PredictedCompletion, SelectionReasons.Rescue),
            Runner = new RemoteModelRunner(remote, admission.Slo, admission.Runner.Deadline, preferred),
            Rescue = true,
        };
    }

    private static string Fastest(VariantChoice choice, string label) =>
        choice.FastestOption is { } f
            ? string.Create(CultureInfo.InvariantCulture, $": {label}, {f.Variant} on worker {f.Worker}, is predicted to take {f.Predicted.TotalMilliseconds:0.#} ms")
            : "";

    private static string Explain(string task, SelectionRequest request, VariantChoice choice, DateTimeOffset now)
    {
        var budget = (request.Deadline - now).TotalMilliseconds;
        var reason = RouterMetrics.ReasonLabel(choice.Reason);
        var variant = choice.Reason.Length > reason.Length ? choice.Reason[(reason.Length + 1)..] : null;
        return reason switch
        {
            SelectionReasons.SloUnattainable => variant is null
                ? $"{reason}: no variant of task '{task}' can answer within the remaining {budget:0.#} ms (SLO class '{request.Slo.Name}', p{request.Slo.Percentile * 100:0.#}){Fastest(choice, "the fastest")}; retry later, relax the budget or ask for best_effort"
                : $"{reason}: variant '{variant}' cannot answer within the remaining {budget:0.#} ms (SLO class '{request.Slo.Name}'){Fastest(choice, "its best")}",
            SelectionReasons.UnknownTask => $"{reason}: the catalogue has no task '{task}'",
            SelectionReasons.UnknownVariant => $"{reason}: task '{task}' has no variant '{variant}'",
            SelectionReasons.SyntheticNotAllowed => variant is null
                ? $"{reason}: task '{task}' has only synthetic variants and the catalogue does not allow them"
                : $"{reason}: variant '{variant}' is synthetic and the catalogue does not allow synthetic variants",
            SelectionReasons.BelowMinQuality => $"{reason}: no variant of task '{task}' reaches min_quality {request.MinQuality}",
            SelectionReasons.NoReadyWorker => $"{reason}: no ready worker serves task '{task}'{(variant is null ? "" : $" with variant '{variant}'")}",
            SelectionReasons.DeadlinePassed => $"{reason}: the request's deadline had passed when the router received it",
            _ => choice.Reason,
        };
    }
}
