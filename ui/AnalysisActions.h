#pragma once

#include "analysis/DesignAnalysis.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

class QAction;
class QMenu;
class QWidget;

namespace Loadstar::Ui {

class DiagramScene;
class FindingsController;
class WhatIfBanner;

// What the window offers on top of the design analysis: "What If These
// Fail?" (Ctrl+Shift+F) on the selected cards and "Clear What-If" (Esc), the
// banner over the canvas that says which clients lose service, and a card's
// quick fixes and what-if in its context menu.
//
// While the document runs, failing nodes in a what-if also stops them for
// real (liveFailRequested), so the prediction can be compared with what the
// health checks then see; clearing it revives them.
class AnalysisActions final : public QObject
{
    Q_OBJECT

public:
    // `window` holds the actions, so their shortcuts work anywhere in it;
    // it places banner() above the canvas.
    AnalysisActions(FindingsController *findings, DiagramScene *scene, QWidget *window);

    QAction *whatIfAction() const { return m_whatIf; }
    QAction *clearWhatIfAction() const { return m_clear; }
    WhatIfBanner *banner() const { return m_banner; }

    // Fails `nodes` in the analysis (and for real while running).
    void failNodes(const QList<NodeId> &nodes);
    void clearWhatIf();

    // The card's quick fixes and its what-if, at the end of its context
    // menu; `node` is the card right-clicked (the what-if takes the whole
    // selection when the card is part of it).
    void addTo(QMenu *menu, NodeId node);

    // The run started or stopped: a what-if shown at the start is applied
    // to the run too; a stopped run has nothing left to revive.
    void setRunning(bool running);
    // What the run did with a request to stop (`failed`) or revive `names`:
    // a sentence for each node it could not ("db-01 is not run by
    // Loadstar: only the prediction shows it failed."); shown in the banner.
    void showLiveResult(const QStringList &names, bool failed, const QStringList &notDone);
    QString liveResult() const { return m_liveResult; }

signals:
    // Stop (`failed`) or revive the running nodes called `names`.
    void liveFailRequested(const QStringList &names, bool failed);
    // A sentence for the status bar (a quick fix that no longer applies).
    void statusMessage(const QString &message);

private:
    void updateBanner();
    void updateActions();
    QStringList namesOf(const QSet<NodeId> &nodes) const;
    // By value: callers pass m_liveFailed, which this changes.
    void requestLive(QStringList fail, QStringList revive);

    QPointer<FindingsController> m_findings;
    QPointer<DiagramScene> m_scene;
    QAction *m_whatIf;
    QAction *m_clear;
    WhatIfBanner *m_banner;
    bool m_running = false;
    QStringList m_liveFailed; // stopped for real, to revive on clear
    QString m_liveResult;     // what the run said about the last request
};

} // namespace Loadstar::Ui
