using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Serving.Grpc.Internal;

/// <summary>
/// Kestrel's buffers for gRPC servers: pinned blocks of <see cref="DefaultBlockSize"/> bytes instead of
/// Kestrel's 4 KiB, registered by <c>AddGrpcServer()</c> as the <see cref="IMemoryPoolFactory{T}"/>.
/// </summary>
/// <remarks>
/// <para>Kestrel receives into one pool block at a time and copies each HTTP/2 DATA frame into the
/// stream's body pipe in blocks of the same size. Inference requests are large (a face crop is a
/// 150 KB tensor): with 4 KiB blocks each one took ~37 socket reads and as many pipe segments at
/// each server, and the per-read and per-segment work cost the receiving server about a third more
/// CPU per 150 KB message (the gRPC echo benchmark's cost part) than with 16-128 KiB blocks.</para>
/// <para>Blocks are pinned (the pinned object heap), since sockets and native code use them, and
/// come back to the pool when Kestrel disposes them; at most <see cref="MaxRetainedBlocks"/> are
/// kept, the rest are left to the garbage collector, so a burst of large requests does not hold its
/// peak memory for good. Kestrel waits for data before it rents a receive buffer, so idle
/// connections hold none.</para>
/// </remarks>
internal sealed class ServerMemoryPool : MemoryPool<byte>
{
    /// <summary>Block size: 32 KiB.</summary>
    public const int DefaultBlockSize = 32 * 1024;

    /// <summary>Default number of free blocks kept (8 MiB at the default size).</summary>
    public const int DefaultMaxRetainedBlocks = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;
    private volatile bool _disposed;

    public ServerMemoryPool(int blockSize = DefaultBlockSize, int maxRetainedBlocks = DefaultMaxRetainedBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetainedBlocks);
        BlockSize = blockSize;
        MaxRetainedBlocks = maxRetainedBlocks;
    }

    /// <summary>Size of every block handed out.</summary>
    public int BlockSize { get; }

    /// <summary>Most free blocks kept for reuse.</summary>
    public int MaxRetainedBlocks { get; }

    /// <summary>Free blocks held now.</summary>
    public int RetainedBlocks => Volatile.Read(ref _retained);

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minBufferSize"/> exceeds the block size.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, $"at most the block size, {BlockSize} bytes");
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            block.Rent();
            return block;
        }

        var fresh = new Block(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
        fresh.Rent();
        return fresh;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        while (_free.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private void Return(Block block)
    {
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _retained) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _retained);
            return;
        }

        _free.Enqueue(block);
    }

    private sealed class Block(ServerMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        private int _rented;

        public Memory<byte> Memory => array;

        public void Rent() => Volatile.Write(ref _rented, 1);

        // Kestrel disposes each block once; a second dispose must not put it in the pool twice.
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _rented, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}

/// <summary>Creates a <see cref="ServerMemoryPool"/> for each of Kestrel's transports and connections' users.</summary>
internal sealed class ServerMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly ConcurrentQueue<ServerMemoryPool> _pools = new();

    /// <summary>The pools made so far (a few per server: Kestrel asks once per transport).</summary>
    public IReadOnlyCollection<ServerMemoryPool> Pools => _pools;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new ServerMemoryPool();
        _pools.Enqueue(pool);
        return pool;
    }
}
