using Serving.Grpc.Internal;

namespace Serving.Grpc.Tests.Internal;

public sealed class ServerMemoryPoolTests
{
    [Fact]
    public void Rent_AnySizeUpToTheBlock_GivesAWholeBlock()
    {
        using var pool = new ServerMemoryPool();

        using var small = pool.Rent(1);
        using var unspecified = pool.Rent();
        using var full = pool.Rent(ServerMemoryPool.DefaultBlockSize);

        Assert.Equal(32 * 1024, pool.MaxBufferSize);
        Assert.All(new[] { small, unspecified, full }, b => Assert.Equal(pool.BlockSize, b.Memory.Length));
    }

    [Fact]
    public void Rent_MoreThanABlock_IsRefused()
    {
        using var pool = new ServerMemoryPool(blockSize: 8192);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(8193));

        Assert.Contains("8192", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReturnedBlock_IsRentedAgain()
    {
        using var pool = new ServerMemoryPool();
        var first = pool.Rent();
        var memory = first.Memory;
        first.Dispose();
        var retainedAfterReturn = pool.RetainedBlocks;

        using var second = pool.Rent();

        Assert.Equal(1, retainedAfterReturn);
        Assert.Equal(0, pool.RetainedBlocks);
        Assert.True(memory.Span.Overlaps(second.Memory.Span));
    }

    [Fact]
    public void BlockDisposedTwice_GoesBackOnce()
    {
        using var pool = new ServerMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using var a = pool.Rent();
        using var b = pool.Rent();

        Assert.False(a.Memory.Span.Overlaps(b.Memory.Span));
    }

    [Fact]
    public void FreeBlocks_AreKeptUpToTheLimit()
    {
        using var pool = new ServerMemoryPool(blockSize: 4096, maxRetainedBlocks: 3);
        var blocks = Enumerable.Range(0, 10).Select(_ => pool.Rent()).ToList();

        blocks.ForEach(b => b.Dispose());

        Assert.Equal(3, pool.RetainedBlocks);
    }

    [Fact]
    public void DisposedPool_RefusesRentsAndKeepsNothing()
    {
        var pool = new ServerMemoryPool();
        var block = pool.Rent();
        pool.Rent().Dispose();

        pool.Dispose();
        block.Dispose();

        Assert.Equal(0, pool.RetainedBlocks);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }
}
