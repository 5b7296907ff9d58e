#include "DatabaseReport.h"

#include "Cli.h"
#include "engine/LiveSession.h"
#include "engine/database/FailoverReport.h"

#include <chrono>

namespace Loadstar::Cli {

namespace {

QString engineName(const QString &engine)
{
    return engine == QLatin1String("postgresql") ? QStringLiteral("PostgreSQL") : QStringLiteral("MariaDB");
}

} // namespace

DatabaseReport::DatabaseReport(LiveSession &session, QString command)
    : m_session(session)
    , m_command(std::move(command))
{}

DatabaseReport::~DatabaseReport()
{
    m_stopping = true;
    if (m_thread.joinable())
        m_thread.join();
}

void DatabaseReport::printServers()
{
    using State = Engine::DatabaseServerStatus::State;
    for (const Engine::DatabaseServerStatus &database : m_session.databaseServers().status()) {
        if (database.state == State::Failed && database.message.isEmpty())
            continue; // not a demo database: probed only
        out() << m_command << ": " << database.name << " ";
        if (database.state == State::Failed || database.state == State::Stopped) {
            out() << "can't run: " << database.message << "\n";
            continue;
        }
        out() << "demo database (" << engineName(database.engine) << ") on " << database.address << ":" << database.port;
        if (!database.source.isEmpty())
            out() << ", replicating from " << database.source;
        else if (!database.role.isEmpty())
            out() << ", " << database.role;
        out() << "\n";
    }
    out().flush();
}

void DatabaseReport::watch()
{
    m_thread = std::thread([this] { watchLoop(); });
}

void DatabaseReport::watchLoop()
{
    qsizetype told = 0;
    while (!m_stopping) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const QList<Engine::DatabasePromotion> promotions = m_session.databaseServers().promotions();
        if (promotions.size() <= told)
            continue;
        const QList<Engine::WriteOutage> outages = m_session.demoBackends().writeOutages();
        const qsizetype ready = Engine::readyPromotions(promotions, outages, told, QDateTime::currentDateTimeUtc());
        std::lock_guard lock(outputMutex());
        for (qsizetype i = told; i < told + ready; ++i) {
            const Engine::DatabasePromotion &promotion = promotions.at(i);
            out() << m_command << ": " << promotion.promotedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"))
                  << " " << Engine::failoverSentence(promotion, Engine::outageEndedBy(promotion, outages)) << "\n";
        }
        out().flush();
        told += ready;
    }
}

} // namespace Loadstar::Cli
