#pragma once

#include <QImage>
#include <QWidget>

class QTimer;

namespace Loadstar::Ui {

class DiagramView;

// A small overview of the whole drawing in a corner of the canvas, with the
// part the view shows framed; clicking or dragging in it moves the view
// there. The overview is drawn once into an image after the drawing changes
// (cards as blocks of their kind's colour, links as thin lines), so painting
// the minimap while panning costs one image and one rectangle. It shows only
// while the drawing does not fit in the view.
class Minimap final : public QWidget
{
    Q_OBJECT

public:
    static constexpr QSize DefaultSize{200, 140};

    explicit Minimap(DiagramView *view);

    // The drawing changed: redraw the overview soon (coalesced).
    void scheduleRefresh();
    // The view scrolled, zoomed or resized: move the frame, show or hide.
    void viewChanged();

    // The scene area the overview covers, and where a scene point appears.
    QRectF sceneArea() const { return m_sceneArea; }
    QPointF toMinimap(QPointF scenePos) const;
    QPointF toScene(QPointF minimapPos) const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;

private:
    void refresh();
    void place();
    QRectF imageRect() const;

    DiagramView *m_view;
    QTimer *m_refreshTimer;
    QImage m_overview;
    QRectF m_sceneArea;
};

} // namespace Loadstar::Ui
