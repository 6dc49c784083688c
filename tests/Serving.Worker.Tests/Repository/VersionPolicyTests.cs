using Serving.Worker.Repository;

namespace Serving.Worker.Tests.Repository;

public sealed class VersionPolicyTests
{
    private static readonly long[] OnDisk = [3, 1, 7, 5];

    [Fact]
    public void Select_NoPolicy_ServesLatestOnly() =>
        Assert.Equal([7L], new VersionPolicyConfiguration().Select(OnDisk));

    [Fact]
    public void Select_LatestTwo_ServesTwoHighest() =>
        Assert.Equal([5L, 7], new VersionPolicyConfiguration { Latest = new() { NumVersions = 2 } }.Select(OnDisk));

    [Fact]
    public void Select_LatestMoreThanAvailable_ServesAll() =>
        Assert.Equal([1L, 3, 5, 7], new VersionPolicyConfiguration { Latest = new() { NumVersions = 9 } }.Select(OnDisk));

    [Fact]
    public void Select_All_ServesEveryVersionAscending() =>
        Assert.Equal([1L, 3, 5, 7], new VersionPolicyConfiguration { All = new() }.Select(OnDisk));

    [Fact]
    public void Select_Specific_ServesListedVersionsThatExist() =>
        Assert.Equal([3L, 7], new VersionPolicyConfiguration { Specific = new() { Versions = [7, 3, 4] } }.Select(OnDisk));

    [Fact]
    public void Select_NothingOnDisk_ServesNothing() =>
        Assert.Empty(new VersionPolicyConfiguration().Select([]));
}
