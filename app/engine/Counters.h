#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <time.h>

namespace Loadstar::Engine::detail {

using Clock = std::chrono::steady_clock;

// Deadlines and rates need no better than a few milliseconds, and the
// coarse monotonic clock costs a fraction of the precise one: sessions read
// the time several times per request.
inline Clock::time_point coarseNow() noexcept
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return Clock::time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
}

// Wall-clock time for timestamps users read ("last answered at"): UTC
// milliseconds since the epoch, to the coarse clock's few milliseconds.
inline int64_t coarseEpochMs() noexcept
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return int64_t(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

// Counters are kept per worker thread: only that worker writes its copy (a
// plain load and store, no locked instruction on the data path) and anyone
// may read. A stats snapshot adds up the workers' copies.
class Counter
{
public:
    void add(uint64_t n = 1) noexcept
    {
        m_value.store(m_value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    uint64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> m_value{0};
};

// A current count that goes up and down (sessions now), with its maximum.
class Gauge
{
public:
    void increment() noexcept
    {
        const int64_t now = m_value.load(std::memory_order_relaxed) + 1;
        m_value.store(now, std::memory_order_relaxed);
        if (now > m_max.load(std::memory_order_relaxed))
            m_max.store(now, std::memory_order_relaxed);
    }
    void decrement() noexcept { m_value.store(m_value.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed); }
    int64_t value() const noexcept { return m_value.load(std::memory_order_relaxed); }
    int64_t max() const noexcept { return m_max.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> m_value{0};
    std::atomic<int64_t> m_max{0};
};

// HAProxy's sliding average over the last 1024 samples (swrate): the sum
// loses 1/1024 of itself for each new sample once the window is full.
class SlidingAverage
{
public:
    static constexpr uint64_t Window = 1024;

    void add(uint64_t sample) noexcept
    {
        const uint64_t count = m_count.load(std::memory_order_relaxed);
        const uint64_t sum = m_sum.load(std::memory_order_relaxed);
        if (count < Window) {
            m_sum.store(sum + sample, std::memory_order_relaxed);
            m_count.store(count + 1, std::memory_order_relaxed);
        } else {
            m_sum.store(sum - sum / Window + sample, std::memory_order_relaxed);
        }
    }
    uint64_t sum() const noexcept { return m_sum.load(std::memory_order_relaxed); }
    uint64_t count() const noexcept { return m_count.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> m_sum{0};
    std::atomic<uint64_t> m_count{0};
};

// Events per second over the last second (HAProxy's freq_ctr): the current
// second's count plus the previous second's, weighted by what is left of it.
class RateCounter
{
public:
    void add(Clock::time_point now) noexcept;
    uint64_t perSecond(Clock::time_point now) const noexcept;
    uint64_t max() const noexcept { return m_max.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> m_second{0};
    std::atomic<uint64_t> m_current{0};
    std::atomic<uint64_t> m_previous{0};
    std::atomic<uint64_t> m_max{0};
};

// Response times of the last seconds, for percentiles (HAProxy keeps only
// averages, which hide the slow tail users feel). Log-bucketed: exact to
// 15 µs, then eight buckets per power of two (at most 1/8 off), up to
// 2^27 µs (134 s) where everything slower lands in the last bucket. A slot
// per second, reused as seconds go by: only the writer clears one, readers
// add up the slots still in the window. One writer, as for Counter.
class LatencyWindow
{
public:
    static constexpr int Buckets = 200;
    static constexpr int Slots = 3; // the current second and the two before it
    using Histogram = std::array<uint64_t, Buckets>;

    void add(Clock::time_point now, uint64_t microseconds) noexcept
    {
        const int64_t second = secondOf(now);
        auto &slot = m_slots[size_t(second % Slots)];
        if (slot.second.load(std::memory_order_relaxed) != second) {
            for (auto &count : slot.counts)
                count.store(0, std::memory_order_relaxed);
            slot.second.store(second, std::memory_order_relaxed);
        }
        auto &count = slot.counts[size_t(bucketOf(microseconds))];
        count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    // Adds the counts of the window ending at `now` into `into`.
    void collect(Clock::time_point now, Histogram &into) const noexcept
    {
        const int64_t second = secondOf(now);
        for (const auto &slot : m_slots) {
            const int64_t age = second - slot.second.load(std::memory_order_relaxed);
            if (age < 0 || age >= Slots)
                continue;
            for (size_t i = 0; i < Buckets; ++i)
                into[i] += slot.counts[i].load(std::memory_order_relaxed);
        }
    }

    static int bucketOf(uint64_t microseconds) noexcept
    {
        const uint64_t value = std::min<uint64_t>(microseconds, (uint64_t(1) << 27) - 1);
        if (value < 8)
            return int(value);
        const int exponent = int(std::bit_width(value)) - 1;
        return 8 + (exponent - 3) * 8 + int((value >> (exponent - 3)) & 7);
    }

    static uint64_t lowestOf(int bucket) noexcept
    {
        if (bucket < 8)
            return uint64_t(bucket);
        const int exponent = (bucket - 8) / 8 + 3;
        return uint64_t(8 + (bucket - 8) % 8) << (exponent - 3);
    }

    // The `fraction` percentile (0.99 for p99) in milliseconds: the highest
    // time of its bucket, so a percentile is never reported below the real
    // one. 0 for an empty histogram.
    static double percentileMs(const Histogram &histogram, double fraction) noexcept
    {
        uint64_t total = 0;
        for (uint64_t count : histogram)
            total += count;
        if (total == 0)
            return 0;
        const uint64_t rank = std::max<uint64_t>(1, uint64_t(std::ceil(fraction * double(total))));
        uint64_t seen = 0;
        for (int i = 0; i < Buckets; ++i) {
            seen += histogram[size_t(i)];
            if (seen >= rank)
                return double(lowestOf(i + 1) - 1) / 1000.0;
        }
        return double(lowestOf(Buckets) - 1) / 1000.0;
    }

private:
    static int64_t secondOf(Clock::time_point time) noexcept
    {
        return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    }

    struct Slot
    {
        std::atomic<int64_t> second{-Slots};
        std::array<std::atomic<uint32_t>, Buckets> counts{};
    };
    std::array<Slot, Slots> m_slots;
};

// When a server last answered, and since when it has answered without a
// pause of a second or more: how long traffic took to reach it after a
// failover. UTC milliseconds since the epoch, 0 for never. One writer.
class ServingTimes
{
public:
    static constexpr int64_t GapMs = 1000;

    void answered(int64_t epochMs) noexcept
    {
        const int64_t last = m_last.load(std::memory_order_relaxed);
        if (last == 0 || epochMs - last >= GapMs)
            m_since.store(epochMs, std::memory_order_relaxed);
        m_last.store(epochMs, std::memory_order_relaxed);
    }
    int64_t last() const noexcept { return m_last.load(std::memory_order_relaxed); }
    int64_t since() const noexcept { return m_since.load(std::memory_order_relaxed); }

private:
    std::atomic<int64_t> m_last{0};
    std::atomic<int64_t> m_since{0};
};

// What HAProxy counts for a frontend, a backend or a server, for one worker.
struct CounterBlock
{
    Counter stot, bin, bout, ereq, econ, eresp, wretr, wredis, lbtot, reqTot, cliAbrt, srvAbrt;
    Counter hrsp[6]; // 1xx … 5xx, other
    Gauge scur;
    RateCounter rate, reqRate;
    SlidingAverage qtime, ctime, rtime, ttime;
    LatencyWindow rtimeWindow; // backends and servers, HTTP mode
    ServingTimes serving;      // servers, HTTP mode
    // Frontends: every connection accepted, before the firewall's verdict
    // (HAProxy's conn_tot, conn_rate), and those it refused (dcon), of
    // which by its rate limit.
    Counter connTot, dcon, dconRateLimited;
    RateCounter connRate;

    void countStatus(int status) noexcept
    {
        const int klass = status / 100;
        hrsp[klass >= 1 && klass <= 5 ? klass - 1 : 5].add();
    }
};

// One frontend's, backend's or server's counters, a block per worker. It
// outlives configurations: a server keeps its counters when the document is
// applied again.
class StatsNode
{
public:
    explicit StatsNode(int workers)
        : m_blocks(std::make_unique<CounterBlock[]>(size_t(workers)))
        , m_workers(workers)
    {}
    CounterBlock &at(int worker) noexcept { return m_blocks[size_t(worker)]; }
    const CounterBlock &at(int worker) const noexcept { return m_blocks[size_t(worker)]; }
    int workers() const noexcept { return m_workers; }

private:
    std::unique_ptr<CounterBlock[]> m_blocks;
    int m_workers;
};

} // namespace Loadstar::Engine::detail
