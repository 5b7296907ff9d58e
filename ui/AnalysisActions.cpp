#include "AnalysisActions.h"

#include "FindingsController.h"
#include "WhatIfBanner.h"
#include "diagram/DiagramScene.h"
#include "diagram/NodeItem.h"

#include <QAction>
#include <QMenu>
#include <QWidget>

#include <algorithm>

namespace Loadstar::Ui {

namespace {

// "lb", "lb and web-01", "lb, web-01 and web-02".
QString nameList(QStringList names)
{
    if (names.size() <= 1)
        return names.value(0);
    const QString last = names.takeLast();
    return AnalysisActions::tr("%1 and %2").arg(names.join(QStringLiteral(", ")), last);
}

} // namespace

AnalysisActions::AnalysisActions(FindingsController *findings, DiagramScene *scene, QWidget *window)
    : QObject(window)
    , m_findings(findings)
    , m_scene(scene)
    , m_whatIf(new QAction(tr("What If These &Fail?"), window))
    , m_clear(new QAction(tr("Clear &What-If"), window))
    , m_banner(new WhatIfBanner(window))
{
    m_whatIf->setObjectName(QStringLiteral("actionWhatIf"));
    m_whatIf->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    m_whatIf->setStatusTip(tr("Fail the selected nodes in the analysis and see which clients lose service "
                              "(while running, they are stopped for real)"));
    m_whatIf->setToolTip(tr("What if the selected nodes fail? (%1)")
                             .arg(m_whatIf->shortcut().toString(QKeySequence::NativeText)));
    connect(m_whatIf, &QAction::triggered, this, [this] {
        if (m_scene)
            failNodes(m_scene->selectedNodeIds());
    });
    m_clear->setObjectName(QStringLiteral("actionClearWhatIf"));
    m_clear->setShortcut(QKeySequence(Qt::Key_Escape));
    m_clear->setStatusTip(tr("Show the drawing as it is again (and revive what the run stopped)"));
    connect(m_clear, &QAction::triggered, this, &AnalysisActions::clearWhatIf);
    window->addAction(m_whatIf);
    window->addAction(m_clear);

    connect(m_banner, &WhatIfBanner::clearRequested, this, &AnalysisActions::clearWhatIf);
    connect(findings, &FindingsController::whatIfChanged, this, [this](const WhatIf &whatIf) {
        if (m_scene)
            m_scene->setWhatIf(whatIf);
        updateBanner();
        updateActions();
    });
    connect(scene, &QGraphicsScene::selectionChanged, this, &AnalysisActions::updateActions);
    updateActions();
}

void AnalysisActions::failNodes(const QList<NodeId> &nodes)
{
    if (!m_findings || nodes.isEmpty())
        return;
    const QSet<NodeId> failed(nodes.cbegin(), nodes.cend());
    m_findings->setFailed(failed);
    if (!m_running)
        return;
    const QStringList names = namesOf(failed);
    QStringList revive;
    for (const QString &name : std::as_const(m_liveFailed)) {
        if (!names.contains(name))
            revive.append(name);
    }
    QStringList fail;
    for (const QString &name : names) {
        if (!m_liveFailed.contains(name))
            fail.append(name);
    }
    requestLive(fail, revive);
}

void AnalysisActions::clearWhatIf()
{
    if (m_findings)
        m_findings->clearWhatIf();
    if (m_running && !m_liveFailed.isEmpty())
        requestLive({}, m_liveFailed);
}

void AnalysisActions::addTo(QMenu *menu, NodeId node)
{
    if (!m_findings || !m_scene)
        return;
    QList<QAction *> entries;
    QList<QPair<QuickFix, NodeId>> offered;
    const QList<Finding> &findings = m_findings->findings();
    for (const Finding &finding : findings) {
        if (finding.fix == QuickFix::None || !finding.nodes.contains(node))
            continue;
        const QPair<QuickFix, NodeId> key(finding.fix, finding.nodes.value(0));
        if (offered.contains(key))
            continue;
        offered.append(key);
        auto *fix = new QAction(tr("Fix: %1").arg(finding.fixLabel), menu);
        fix->setObjectName(QStringLiteral("actionQuickFix"));
        fix->setToolTip(finding.message);
        fix->setStatusTip(finding.message);
        connect(fix, &QAction::triggered, this, [this, finding] {
            const QString refusal = m_findings ? m_findings->applyFix(finding) : QString();
            if (!refusal.isEmpty())
                emit statusMessage(refusal);
        });
        entries.append(fix);
    }

    QList<NodeId> targets = m_scene->selectedNodeIds();
    if (!targets.contains(node))
        targets = {node};
    auto *whatIf = new QAction(targets.size() == 1 ? tr("What If This Fails?") : tr("What If These Fail?"), menu);
    whatIf->setObjectName(QStringLiteral("actionCardWhatIf"));
    whatIf->setStatusTip(m_whatIf->statusTip());
    connect(whatIf, &QAction::triggered, this, [this, targets] { failNodes(targets); });
    entries.append(whatIf);
    if (m_findings->showsWhatIf())
        entries.append(m_clear);

    menu->addSection(tr("Design Analysis"));
    menu->addActions(entries);
}

void AnalysisActions::setRunning(bool running)
{
    if (running == m_running)
        return;
    m_running = running;
    m_liveFailed.clear();
    m_liveResult.clear();
    // The run honours the what-if on the canvas, so what it shows and what
    // the health checks see agree.
    if (running && m_findings && m_findings->showsWhatIf())
        requestLive(namesOf(m_findings->whatIf().failed), {});
    updateBanner();
}

void AnalysisActions::showLiveResult(const QStringList &names, bool failed, const QStringList &notDone)
{
    if (!m_running)
        return;
    // The run's sentences start with the node they are about.
    QStringList done;
    for (const QString &name : names) {
        const bool refused = std::any_of(notDone.cbegin(), notDone.cend(), [&name](const QString &sentence) {
            return sentence.startsWith(name + QLatin1Char(' '));
        });
        if (!refused)
            done.append(name);
    }
    QStringList lines;
    if (!done.isEmpty()) {
        lines.append(failed ? tr("Stopped for real in the run: %1. Compare with what the health checks see.")
                                  .arg(nameList(done))
                            : tr("%1 running again.").arg(nameList(done)));
    }
    lines.append(notDone);
    m_liveResult = lines.join(QLatin1Char(' '));
    updateBanner();
}

void AnalysisActions::requestLive(QStringList fail, QStringList revive)
{
    for (const QString &name : revive)
        m_liveFailed.removeAll(name);
    for (const QString &name : fail) {
        if (!m_liveFailed.contains(name))
            m_liveFailed.append(name);
    }
    if (!fail.isEmpty()) {
        m_liveResult = tr("Stopping %1 in the live run…").arg(nameList(fail));
        emit liveFailRequested(fail, true);
    }
    if (!revive.isEmpty()) {
        if (fail.isEmpty())
            m_liveResult = tr("Reviving %1 in the live run…").arg(nameList(revive));
        emit liveFailRequested(revive, false);
    }
    updateBanner();
}

QStringList AnalysisActions::namesOf(const QSet<NodeId> &nodes) const
{
    QList<NodeId> sorted(nodes.cbegin(), nodes.cend());
    std::sort(sorted.begin(), sorted.end());
    QStringList names;
    for (NodeId id : std::as_const(sorted)) {
        if (const NodeItem *item = m_scene ? m_scene->nodeItem(id) : nullptr)
            names.append(item->displayName());
    }
    return names;
}

void AnalysisActions::updateBanner()
{
    const WhatIf whatIf = m_findings ? m_findings->whatIf() : WhatIf();
    if (whatIf.failed.isEmpty()) {
        m_banner->hide();
        return;
    }
    const QStringList failed = namesOf(whatIf.failed);
    const QString headline = failed.size() <= 4
                                 ? (failed.size() == 1 ? tr("What if %1 fails?").arg(failed.first())
                                                       : tr("What if %1 fail?").arg(nameList(failed)))
                                 : tr("What if these %1 nodes fail?").arg(failed.size());
    // The summary starts with a client's name: left as the user wrote it.
    QString summary = whatIf.summary;
    if (summary.isEmpty())
        summary = whatIf.clientsLosingService.isEmpty() ? tr("No client loses service.") : QString();
    else if (!summary.endsWith(QLatin1Char('.')))
        summary += QLatin1Char('.');
    if (const auto cut = whatIf.unreachable.size(); cut > 0)
        summary += cut == 1 ? tr(" 1 more node is cut off.") : tr(" %1 more nodes are cut off.").arg(cut);
    m_banner->setMessage(headline, summary, m_running ? m_liveResult : QString(),
                         !whatIf.clientsLosingService.isEmpty());
    m_banner->show();
}

void AnalysisActions::updateActions()
{
    m_whatIf->setEnabled(m_scene && !m_scene->selectedNodeIds().isEmpty());
    m_clear->setEnabled(m_findings && m_findings->showsWhatIf());
}

} // namespace Loadstar::Ui
