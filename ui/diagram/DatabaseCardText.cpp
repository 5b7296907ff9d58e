#include "DatabaseCardText.h"

#include <QCoreApplication>
#include <QLocale>

namespace Loadstar::Ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::NodeItem", text);
}

} // namespace

QString databaseFiguresText(const DatabaseLiveState &database)
{
    return database.queriesPerSecond >= 0 ? tr("%1 q/s").arg(perSecondText(database.queriesPerSecond)) : QString();
}

QString connectionsText(const DatabaseLiveState &database)
{
    return database.connections >= 0 ? tr("%1 conn").arg(QLocale().toString(database.connections)) : QString();
}

QString replicationText(const NodeLiveState &state)
{
    const DatabaseLiveState &database = state.database;
    QStringList parts;
    switch (database.replication) {
    case ReplicationState::None:
        return QString();
    case ReplicationState::Stopped:
        parts.append(tr("replication stopped"));
        break;
    case ReplicationState::Broken:
        parts.append(tr("replication broken"));
        break;
    case ReplicationState::Running:
        if (state.replicationLagMs >= 0)
            parts.append(lagText(state.replicationLagMs));
        break;
    }
    if (database.staleReads > 0)
        parts.append(tr("%1 stale").arg(QLocale().toString(database.staleReads)));
    return parts.join(QStringLiteral(" · "));
}

QStringList databaseToolTipLines(const NodeLiveState &state)
{
    const DatabaseLiveState &database = state.database;
    QStringList lines;
    if (database.fenced()) {
        lines.append(tr("Fenced: an old primary that may never take writes again"));
    } else if (database.promotedAt.isValid()) {
        lines.append(
            tr("Promoted to primary at %1")
                .arg(database.promotedAt.toLocalTime().toString(QStringLiteral("hh:mm:ss"))));
    }
    const QString figures = databaseFiguresText(database);
    if (!figures.isEmpty())
        lines.append(figures);
    switch (database.replication) {
    case ReplicationState::None:
        break;
    case ReplicationState::Running:
        lines.append(state.replicationLagMs >= 0
                         ? tr("Replicating from %1, %2")
                               .arg(database.source, lagText(state.replicationLagMs))
                         : tr("Replicating from %1").arg(database.source));
        break;
    case ReplicationState::Stopped:
        lines.append(tr("Replication stopped"));
        break;
    case ReplicationState::Broken:
        lines.append(tr("Replication broken: %1").arg(database.replicationError));
        break;
    }
    if (database.staleReads == 1)
        lines.append(tr("1 stale read: a read that missed a write the same client had made"));
    else if (database.staleReads > 1)
        lines.append(tr("%1 stale reads: reads that missed a write the same client had made")
                         .arg(database.staleReads));
    return lines;
}

} // namespace Loadstar::Ui
