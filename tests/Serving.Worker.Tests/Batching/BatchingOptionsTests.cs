using Serving.Worker.Batching;
using Serving.Worker.Repository;
using Serving.Worker.Tests.Repository;
using static Serving.Worker.Tests.Batching.Entries;

namespace Serving.Worker.Tests.Batching;

public sealed class BatchingOptionsTests
{
    [Fact]
    public void FromConfiguration_ValidConfig_ConvertsUnits()
    {
        var options = BatchingOptions.FromConfiguration(ModelConfigurationSerializer.Parse(ModelConfigurationTests.ValidJson, out _)!);

        Assert.Equal(32, options.MaxBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(2), options.MaxQueueDelay);
        Assert.Equal(2, options.PriorityLevels);
        Assert.Equal(2, options.DefaultPriorityLevel);
        Assert.Equal(64, options.MaxQueueSize);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.DefaultTimeout);
        Assert.True(options.DelayTimedOutRequests);
        Assert.Equal(2, options.InstanceCount);
    }

    [Fact]
    public void FromConfiguration_NoBatchDimension_OneRequestPerExecutionWithoutDelay()
    {
        var options = BatchingOptions.FromConfiguration(new ModelConfiguration { Name = "m" });

        Assert.Equal(1, options.MaxBatchSize);
        Assert.Equal(TimeSpan.Zero, options.MaxQueueDelay);
        Assert.Equal(1, options.PriorityLevels);
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(4, 2)]
    [InlineData(-1, 2)]
    public void ResolvePriorityLevel_OutOfRangeOrZero_UsesDefault(long priority, int level) =>
        Assert.Equal(level, new BatchingOptions { PriorityLevels = 3, DefaultPriorityLevel = 2 }.ResolvePriorityLevel(priority));

    [Fact]
    public void ResolveTimes_RejectTimeout_BecomesDeadlineWhenEarlier()
    {
        var options = new BatchingOptions { DefaultTimeout = TimeSpan.FromMilliseconds(10) };

        Assert.Equal((At(10), DateTimeOffset.MaxValue), options.ResolveTimes(At(0), At(50), null));
        Assert.Equal((At(5), DateTimeOffset.MaxValue), options.ResolveTimes(At(0), At(5), null));
    }

    [Fact]
    public void ResolveTimes_DelayTimeout_OnlyDemotes()
    {
        var options = new BatchingOptions { DefaultTimeout = TimeSpan.FromMilliseconds(10), DelayTimedOutRequests = true };

        Assert.Equal((At(50), At(10)), options.ResolveTimes(At(0), At(50), null));
    }

    [Fact]
    public void ResolveTimes_RequestTimeout_MayShortenNeverExtend()
    {
        var allowed = new BatchingOptions { DefaultTimeout = TimeSpan.FromMilliseconds(10), AllowTimeoutOverride = true };
        var refused = allowed with { AllowTimeoutOverride = false };

        Assert.Equal(At(3), allowed.ResolveTimes(At(0), null, TimeSpan.FromMilliseconds(3)).Deadline);
        Assert.Equal(At(10), allowed.ResolveTimes(At(0), null, TimeSpan.FromMilliseconds(30)).Deadline);
        Assert.Equal(At(10), refused.ResolveTimes(At(0), null, TimeSpan.FromMilliseconds(3)).Deadline);
        Assert.Equal(At(3), (allowed with { DefaultTimeout = TimeSpan.Zero }).ResolveTimes(At(0), null, TimeSpan.FromMilliseconds(3)).Deadline);
    }
}
