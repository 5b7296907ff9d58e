#pragma once

#include "ImageExporter.h"

#include <QDialog>

#include <functional>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace Loadstar::Ui {

// File → Export…: where to, which format, at what scale, on what background.
// The format follows the file name's extension and the other way round, so
// the two never disagree; the scale applies to PNG only, and the dialog
// shows the size the image will have.
class ExportDialog final : public QDialog
{
    Q_OBJECT

public:
    // `imageSize` says how large a PNG would be for given options.
    ExportDialog(const QString &path, const ImageExportOptions &options,
                 std::function<QSize(const ImageExportOptions &)> imageSize,
                 QWidget *parent = nullptr);

    QString path() const;
    void setPath(const QString &path);
    ImageFormat format() const;
    void setFormat(ImageFormat format);
    ImageExportOptions options() const;

private:
    void browse();
    void pathEdited();
    void formatChosen();
    void update();

    std::function<QSize(const ImageExportOptions &)> m_imageSize;
    ImageExportOptions m_baseOptions;
    QLineEdit *m_path;
    QComboBox *m_format;
    QSpinBox *m_scale;
    QLabel *m_size;
    QComboBox *m_background;
    QDialogButtonBox *m_buttons;
};

} // namespace Loadstar::Ui
