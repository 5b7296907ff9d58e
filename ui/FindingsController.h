#pragma once

#include "analysis/DesignAnalysis.h"
#include "document/Document.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

namespace Loadstar::Ui {

// The design analysis of the current document, kept up to date as the user
// edits: a burst of edits is analysed once, DebounceMs after the last; small
// drawings on the GUI thread, large ones on a thread of the controller's own
// so the window never waits (a result overtaken by a newer edit is dropped).
// It also holds the what-if the user asked for — the nodes "failed" in the
// analysis — and works out again what that cuts off after every edit.
class FindingsController final : public QObject
{
    Q_OBJECT

public:
    static constexpr int DebounceMs = 150;
    // Drawings with more nodes than this are analysed off the GUI thread.
    static constexpr int DefaultInlineNodeLimit = 300;

    explicit FindingsController(QObject *parent = nullptr);
    ~FindingsController() override; // waits for an analysis under way

    // The document to analyse (may be null); its analysis follows at once.
    void setDocument(Document *document);
    Document *document() const { return m_document; }

    // The findings of the drawing as it was at the last analysis.
    const QList<Finding> &findings() const { return m_findings; }
    // An edit is waiting for its analysis (debounced or under way).
    bool isAnalysing() const { return m_delay.isActive() || m_inFlight; }
    // Above this many nodes the analysis leaves the GUI thread (tests set 0
    // to take that road with a small drawing).
    void setInlineNodeLimit(int nodes) { m_inlineNodeLimit = nodes; }

    // Fails `nodes` in the analysis (empty clears the what-if); whatIfChanged
    // follows at once, and again after every edit.
    void setFailed(const QSet<NodeId> &nodes);
    void clearWhatIf() { setFailed({}); }
    bool showsWhatIf() const { return !m_whatIf.failed.isEmpty(); }
    const WhatIf &whatIf() const { return m_whatIf; }

    // Pushes `finding`'s quick fix on the document's undo stack as one step.
    // Returns why it could not (the drawing changed since), else empty.
    QString applyFix(const Finding &finding);

    // "2 errors · 1 warning · 3 info"; "No findings" when there are none.
    static QString countText(const QList<Finding> &findings);

signals:
    // After every analysis (the findings may be the same as before).
    void findingsChanged(const QList<Loadstar::Finding> &findings);
    void whatIfChanged(const Loadstar::WhatIf &whatIf);

private:
    void schedule(int delayMs);
    void analyse();
    void adoptFindings(QList<Finding> findings);
    void updateWhatIf();

    QPointer<Document> m_document;
    QTimer m_delay;
    QThreadPool m_pool; // one thread: analyses run one after another
    quint64 m_generation = 0; // results of an older drawing are dropped
    bool m_inFlight = false;
    bool m_rerun = false; // an edit came while an analysis was under way
    int m_inlineNodeLimit = DefaultInlineNodeLimit;
    QList<Finding> m_findings;
    QSet<NodeId> m_failed;
    WhatIf m_whatIf;
};

} // namespace Loadstar::Ui
