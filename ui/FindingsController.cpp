#include "FindingsController.h"

#include "BackgroundTask.h"
#include "document/QuickFixCommand.h"

namespace Loadstar::Ui {

FindingsController::FindingsController(QObject *parent)
    : QObject(parent)
{
    m_pool.setMaxThreadCount(1);
    m_delay.setSingleShot(true);
    connect(&m_delay, &QTimer::timeout, this, &FindingsController::analyse);
}

FindingsController::~FindingsController()
{
    // A result is posted to this object: none may be under way once it goes.
    m_pool.waitForDone();
}

void FindingsController::setDocument(Document *document)
{
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    m_failed.clear(); // node ids of another drawing
    if (document) {
        const auto edited = [this] { schedule(DebounceMs); };
        connect(document, &Document::nodeAdded, this, edited);
        connect(document, &Document::nodeAboutToBeRemoved, this, edited);
        connect(document, &Document::nodeChanged, this, edited);
        connect(document, &Document::linkAdded, this, edited);
        connect(document, &Document::linkAboutToBeRemoved, this, edited);
        connect(document, &Document::topologyReset, this, [this] {
            m_failed.clear();
            // After every view has rebuilt for the new drawing.
            schedule(0);
        });
    }
    schedule(0);
}

void FindingsController::setFailed(const QSet<NodeId> &nodes)
{
    if (nodes == m_failed)
        return;
    m_failed = nodes;
    updateWhatIf();
}

namespace {

bool sameWhatIf(const WhatIf &a, const WhatIf &b)
{
    return a.failed == b.failed && a.unreachable == b.unreachable && a.deadLinks == b.deadLinks
           && a.clientsLosingService == b.clientsLosingService && a.summary == b.summary;
}

} // namespace

// A what-if is one walk over the links, cheap even on a large drawing: it is
// worked out on this thread, so the canvas answers the user at once.
void FindingsController::updateWhatIf()
{
    WhatIf updated;
    if (m_document) {
        // Failed nodes an edit removed fail no more.
        m_failed.removeIf([this](NodeId id) { return !m_document->topology().node(id); });
        if (!m_failed.isEmpty())
            updated = Loadstar::whatIf(m_document->topology(), m_failed);
    } else {
        m_failed.clear();
    }
    if (sameWhatIf(updated, m_whatIf))
        return;
    m_whatIf = std::move(updated);
    emit whatIfChanged(m_whatIf);
}

QString FindingsController::applyFix(const Finding &finding)
{
    if (!m_document)
        return tr("There is no drawing to fix.");
    std::unique_ptr<QuickFixCommand> command = QuickFixCommand::create(m_document, finding);
    if (!command)
        return finding.fixLabel.isEmpty()
                   ? tr("This finding has no quick fix: change the drawing by hand.")
                   : tr("“%1” no longer applies: the drawing changed since the analysis.").arg(finding.fixLabel);
    m_document->undoStack()->push(command.release());
    return QString();
}

QString FindingsController::countText(const QList<Finding> &findings)
{
    int counts[3] = {0, 0, 0};
    for (const Finding &finding : findings)
        ++counts[int(finding.severity)];
    QStringList parts;
    const int errors = counts[int(Severity::Error)];
    const int warnings = counts[int(Severity::Warning)];
    const int infos = counts[int(Severity::Info)];
    if (errors > 0)
        parts.append(errors == 1 ? tr("1 error") : tr("%1 errors").arg(errors));
    if (warnings > 0)
        parts.append(warnings == 1 ? tr("1 warning") : tr("%1 warnings").arg(warnings));
    if (infos > 0)
        parts.append(tr("%1 info").arg(infos));
    return parts.isEmpty() ? tr("No findings") : parts.join(QStringLiteral(" · "));
}

void FindingsController::schedule(int delayMs)
{
    // A newer edit restarts the wait: a burst is analysed once.
    m_delay.start(delayMs);
}

void FindingsController::analyse()
{
    updateWhatIf();
    if (!m_document) {
        ++m_generation;
        adoptFindings({});
        return;
    }
    if (m_inFlight) {
        m_rerun = true; // once the analysis under way is back
        return;
    }
    const quint64 generation = ++m_generation;
    const Topology &topology = m_document->topology();
    if (topology.nodes().size() <= m_inlineNodeLimit) {
        adoptFindings(analyze(topology));
        return;
    }
    m_inFlight = true;
    // The topology is a value with shared data: the copy is cheap, and
    // later edits detach the document's from it.
    runInBackground(
        &m_pool, this, [topology = Topology(topology)] { return analyze(topology); },
        [this, generation](QList<Finding> findings) {
            m_inFlight = false;
            if (m_rerun || generation != m_generation) {
                // The drawing changed meanwhile: this result is stale.
                m_rerun = false;
                analyse();
                return;
            }
            adoptFindings(std::move(findings));
        });
}

void FindingsController::adoptFindings(QList<Finding> findings)
{
    // Announced after every analysis, even an unchanged one: a renamed node
    // changes how the panel names it. Receivers skip what did not change.
    m_findings = std::move(findings);
    emit findingsChanged(m_findings);
}

} // namespace Loadstar::Ui
