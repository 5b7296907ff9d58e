#pragma once

#include <QString>

#include <functional>
#include <memory>
#include <mutex>

namespace Loadstar::Engine {

// Passive observation of live traffic (HAProxy: observe, error-limit,
// on-error): called when a server has had its check's error-limit of
// consecutive errors, with one sentence on what went wrong. It runs on an
// engine worker thread and must return quickly.
using ObservationHandler
    = std::function<void(const QString &frontend, const QString &server, const QString &reason)>;

namespace detail {

// Where the workers report observations; the handler can be set or replaced
// at any time, so backends of every configuration share one.
class ObservationHub
{
public:
    void setHandler(ObservationHandler handler)
    {
        std::lock_guard lock(m_mutex);
        m_handler = std::move(handler);
    }
    void notify(const QString &frontend, const QString &server, const QString &reason) const
    {
        std::lock_guard lock(m_mutex);
        if (m_handler)
            m_handler(frontend, server, reason);
    }

private:
    mutable std::mutex m_mutex;
    ObservationHandler m_handler;
};

} // namespace detail
} // namespace Loadstar::Engine
