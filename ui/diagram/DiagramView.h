#pragma once

#include <QGraphicsView>

namespace Loadstar::Ui {

class DiagramScene;

// The canvas: shows a DiagramScene with antialiasing, zooms with the wheel
// (around the pointer) and pans by dragging. After a document opens it keeps
// the drawing fitted until the user zooms or pans themselves.
class DiagramView final : public QGraphicsView
{
    Q_OBJECT

public:
    static constexpr qreal MinimumZoom = 0.05;
    static constexpr qreal MaximumZoom = 4.0;
    // Fitting never enlarges past this: a small drawing stays at a natural size.
    static constexpr qreal MaximumFitZoom = 1.25;

    explicit DiagramView(DiagramScene *scene, QWidget *parent = nullptr);

    qreal zoom() const;
    void zoomToFit();
    void zoomIn();
    void zoomOut();
    void resetZoom();

signals:
    void zoomChanged(qreal zoom);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    void setZoom(qreal zoom);
    void scaleBy(qreal factor);
    void fitNow();
    void updateSceneRect();

    DiagramScene *m_diagram;
    bool m_keepFitted = true;
};

} // namespace Loadstar::Ui
