using Serving.Worker.Statistics;

namespace Serving.Worker.Tests.Statistics;

public sealed class ServiceTimeRecorderTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void GetSummary_HundredSamples_NearestRankPercentiles()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider());
        for (var i = 100; i >= 1; i--)
        {
            recorder.Record(4, Ms(i));
        }

        var summary = recorder.GetSummary(4)!;

        Assert.Equal(Ms(50), summary.P50);
        Assert.Equal(Ms(99), summary.P99);
        Assert.Equal(100, summary.SampleCount);
        Assert.Null(recorder.GetSummary(8));
    }

    [Fact]
    public void Record_BeyondCapacity_OldestSamplesLeaveTheWindow()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider(), new ServiceTimeRecorderOptions { SamplesPerBatchSize = 10 });
        for (var i = 0; i < 10; i++)
        {
            recorder.Record(1, Ms(100));
        }

        for (var i = 0; i < 10; i++)
        {
            recorder.Record(1, Ms(1));
        }

        var summary = recorder.GetSummary(1)!;
        Assert.Equal(Ms(1), summary.P99);
        Assert.Equal(10, summary.SampleCount);
    }

    [Fact]
    public void GetSummary_SamplesOlderThanMaxAge_Excluded()
    {
        var time = new ManualTimeProvider();
        var recorder = new ServiceTimeRecorder(time, new ServiceTimeRecorderOptions { MaxSampleAge = TimeSpan.FromSeconds(10), MinSamplesKept = 0 });
        recorder.Record(2, Ms(50));
        time.Advance(TimeSpan.FromSeconds(6));
        recorder.Record(2, Ms(5));
        Assert.Equal(Ms(50), recorder.GetSummary(2)!.P99);

        time.Advance(TimeSpan.FromSeconds(4));

        var summary = recorder.GetSummary(2)!;
        Assert.Equal(Ms(5), summary.P99);
        Assert.Equal(1, summary.SampleCount);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(recorder.GetSummary(2));
        Assert.Empty(recorder.Snapshot());
    }

    [Fact]
    public void GetSummary_AllSamplesAged_KeepsTheMostRecentOnes()
    {
        var time = new ManualTimeProvider();
        var recorder = new ServiceTimeRecorder(time, new ServiceTimeRecorderOptions { MaxSampleAge = TimeSpan.FromSeconds(10), MinSamplesKept = 2 });
        recorder.Record(1, Ms(90));
        recorder.Record(1, Ms(4));
        recorder.Record(1, Ms(6));
        time.Advance(TimeSpan.FromMinutes(5));

        var idle = recorder.GetSummary(1)!;
        Assert.Equal(2, idle.SampleCount);
        Assert.Equal(Ms(6), idle.P99);

        recorder.Record(1, Ms(20));
        var fresh = recorder.GetSummary(1)!;
        Assert.Equal(2, fresh.SampleCount);
        Assert.Equal(Ms(20), fresh.P99);
    }

    [Fact]
    public void Estimate_NothingMeasured_UsesDefault()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider(), new ServiceTimeRecorderOptions { DefaultEstimate = Ms(7) });

        Assert.Equal(Ms(7), recorder.Estimate(4));
    }

    [Fact]
    public void Estimate_MeasuredSize_UsesConfiguredPercentile()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider(), new ServiceTimeRecorderOptions { EstimatePercentile = 0.5 });
        foreach (var ms in new[] { 1, 2, 3, 4, 100 })
        {
            recorder.Record(1, Ms(ms));
        }

        Assert.Equal(Ms(3), recorder.Estimate(1));
    }

    [Fact]
    public void EstimateTypical_IsTheMedianWhileEstimateIsTheP99()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider());
        foreach (var ms in new[] { 1, 2, 3, 4, 100 })
        {
            recorder.Record(2, Ms(ms));
        }

        Assert.Equal((Ms(3), Ms(100)), (recorder.EstimateTypical(2), recorder.Estimate(2)));
        Assert.Equal(Ms(3), recorder.EstimateTypical(1)); // the batch of 2 bounds the batch of 1 from above
        Assert.Equal(Ms(6), recorder.EstimateTypical(4)); // scaled linearly
    }

    [Fact]
    public void Estimate_UnmeasuredSize_UsesNearestLargerElseScalesNearestSmaller()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider());
        recorder.Record(2, Ms(4));
        recorder.Record(8, Ms(10));

        Assert.Equal(Ms(10), recorder.Estimate(4)); // the batch of 8 bounds the batch of 4 from above
        Assert.Equal(Ms(4), recorder.Estimate(1));
        Assert.Equal(Ms(20), recorder.Estimate(16)); // 10 ms for 8, scaled linearly
    }

    [Fact]
    public void Snapshot_SeveralBatchSizes_AscendingByBatchSize()
    {
        var recorder = new ServiceTimeRecorder(new ManualTimeProvider());
        recorder.Record(8, Ms(10));
        recorder.Record(1, Ms(2));

        Assert.Equal([1, 8], recorder.Snapshot().Select(s => s.BatchSize));
    }
}
