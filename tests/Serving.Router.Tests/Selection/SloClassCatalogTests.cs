using Serving.Router.Selection;
using Serving.Router.Tests.Infrastructure;

namespace Serving.Router.Tests.Selection;

public sealed class SloClassCatalogTests
{
    [Fact]
    public void Create_DefaultOptions_OffersInteractiveStandardBatch()
    {
        var catalog = SloClassCatalog.Create(SloClassOptions.CreateDefault());

        Assert.True(catalog.TryResolve("interactive", out var interactive));
        Assert.Equal(TimeSpan.FromMilliseconds(100), interactive.Budget);
        Assert.Equal(0.99, interactive.Percentile, 6);
        Assert.True(catalog.TryResolve("BATCH", out var batch));
        Assert.Equal(TimeSpan.FromSeconds(10), batch.Budget);
        Assert.Equal(0.5, batch.Percentile, 6);
        Assert.Equal("standard", catalog.Default.Name);
    }

    [Fact]
    public void TryResolve_EmptyName_GivesDefaultClass()
    {
        var catalog = SloClassCatalog.Create(SloClassOptions.CreateDefault());

        Assert.True(catalog.TryResolve("", out var slo));
        Assert.Equal("standard", slo.Name);
        Assert.False(catalog.TryResolve("realtime", out _));
    }

    [Fact]
    public void TryCreate_SeveralMistakes_ReportsEveryOne()
    {
        var options = new SloClassOptions
        {
            Classes = new(StringComparer.OrdinalIgnoreCase)
            {
                ["fast"] = new() { BudgetMs = -1, Percentile = 99 },
                ["odd"] = new() { BudgetMs = 10, Percentile = 100 },
            },
            DefaultClass = "missing",
        };

        var catalog = SloClassCatalog.TryCreate(options, out var errors);

        Assert.Null(catalog);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("'fast'", StringComparison.Ordinal) && e.Contains("budget", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'odd'", StringComparison.Ordinal) && e.Contains("percentile", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'missing'", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateRequest_WithGrpcDeadline_DeadlineIsTheBudget()
    {
        var deadline = Snapshots.Now + TimeSpan.FromMilliseconds(40);

        var request = SelectionRequest.Create("face-embedding", Snapshots.Standard, Snapshots.Now, deadline);

        Assert.Equal(deadline, request.Deadline);
    }

    [Fact]
    public void CreateRequest_WithoutDeadline_ClassBudgetFromReceipt()
    {
        var request = SelectionRequest.Create("face-embedding", Snapshots.Interactive, Snapshots.Now, grpcDeadline: null);

        Assert.Equal(Snapshots.Now + TimeSpan.FromMilliseconds(100), request.Deadline);
    }
}
