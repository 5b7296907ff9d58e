#pragma once

#include <atomic>
#include <chrono>
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

// What HAProxy counts for a frontend, a backend or a server, for one worker.
struct CounterBlock
{
    Counter stot, bin, bout, ereq, econ, eresp, wretr, wredis, lbtot, reqTot, cliAbrt, srvAbrt;
    Counter hrsp[6]; // 1xx … 5xx, other
    Gauge scur;
    RateCounter rate, reqRate;
    SlidingAverage qtime, ctime, rtime, ttime;

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
