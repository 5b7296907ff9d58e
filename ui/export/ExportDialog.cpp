#include "ExportDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace Loadstar::Ui {

namespace {

// `path` with its extension replaced by (or, without one, ended with) `suffix`.
QString withSuffix(const QString &path, const QString &suffix)
{
    if (path.isEmpty())
        return path;
    const QFileInfo info(path);
    QString base = path;
    if (!info.suffix().isEmpty())
        base.chop(info.suffix().size() + 1);
    return base + QLatin1Char('.') + suffix;
}

} // namespace

ExportDialog::ExportDialog(const QString &path, const ImageExportOptions &options,
                           std::function<QSize(const ImageExportOptions &)> imageSize,
                           QWidget *parent)
    : QDialog(parent)
    , m_imageSize(std::move(imageSize))
    , m_baseOptions(options)
    , m_path(new QLineEdit(this))
    , m_format(new QComboBox(this))
    , m_scale(new QSpinBox(this))
    , m_size(new QLabel(this))
    , m_background(new QComboBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export Diagram"));

    m_path->setObjectName(QStringLiteral("exportPath"));
    m_path->setMinimumWidth(360);
    auto *browse = new QPushButton(tr("&Browse…"), this);
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);

    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("PNG image"), int(ImageFormat::Png));
    m_format->addItem(tr("SVG drawing"), int(ImageFormat::Svg));
    m_format->addItem(tr("PDF document (one page)"), int(ImageFormat::Pdf));

    m_scale->setObjectName(QStringLiteral("exportScale"));
    m_scale->setRange(1, int(ImageExporter::MaximumScale));
    m_scale->setSuffix(QStringLiteral(" ×"));
    m_scale->setValue(std::clamp(qRound(options.scale), 1, int(ImageExporter::MaximumScale)));
    m_scale->setToolTip(tr("Pixels per canvas pixel: 2 × suits high-density screens and slides"));
    m_size->setObjectName(QStringLiteral("exportSize"));
    auto *scaleRow = new QHBoxLayout;
    scaleRow->addWidget(m_scale);
    scaleRow->addWidget(m_size, 1);

    m_background->setObjectName(QStringLiteral("exportBackground"));
    m_background->addItem(tr("White"), false);
    m_background->addItem(tr("Transparent"), true);
    m_background->setCurrentIndex(options.transparentBackground ? 1 : 0);

    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Export"));

    // Rows holding a layout get their label's buddy set by hand.
    auto label = [this](const QString &text, QWidget *buddy) {
        auto *widget = new QLabel(text, this);
        widget->setBuddy(buddy);
        return widget;
    };
    auto *form = new QFormLayout(this);
    form->addRow(label(tr("&File:"), m_path), pathRow);
    form->addRow(tr("F&ormat:"), m_format);
    form->addRow(label(tr("&Scale:"), m_scale), scaleRow);
    form->addRow(tr("&Background:"), m_background);
    form->addRow(m_buttons);

    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_path, &QLineEdit::textEdited, this, &ExportDialog::pathEdited);
    connect(m_path, &QLineEdit::textChanged, this, &ExportDialog::update);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::formatChosen);
    connect(m_scale, &QSpinBox::valueChanged, this, &ExportDialog::update);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    setPath(path);
}

QString ExportDialog::path() const
{
    return m_path->text().trimmed();
}

void ExportDialog::setPath(const QString &path)
{
    m_path->setText(path);
    pathEdited();
}

ImageFormat ExportDialog::format() const
{
    return ImageFormat(m_format->currentData().toInt());
}

void ExportDialog::setFormat(ImageFormat format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

ImageExportOptions ExportDialog::options() const
{
    ImageExportOptions options = m_baseOptions;
    options.scale = format() == ImageFormat::Png ? qreal(m_scale->value()) : 1.0;
    options.transparentBackground = m_background->currentData().toBool();
    return options;
}

void ExportDialog::browse()
{
    const QString filter = tr("PNG image (*.png)") + QStringLiteral(";;")
                           + tr("SVG drawing (*.svg)") + QStringLiteral(";;")
                           + tr("PDF document (*.pdf)");
    QStringList filters = filter.split(QStringLiteral(";;"));
    QString selected = filters.value(m_format->currentIndex());
    QString chosen
        = QFileDialog::getSaveFileName(this, tr("Export Diagram"), path(), filter, &selected);
    if (chosen.isEmpty())
        return;
    if (!ImageExporter::formatForPath(chosen)) {
        const auto index = filters.indexOf(selected);
        chosen
            = withSuffix(chosen, ImageExporter::suffix(ImageFormat(std::max<qsizetype>(index, 0))));
    }
    setPath(chosen);
}

// The name says which format: follow it.
void ExportDialog::pathEdited()
{
    if (const std::optional<ImageFormat> format = ImageExporter::formatForPath(path())) {
        const QSignalBlocker blocker(m_format);
        setFormat(*format);
    }
    update();
}

// The format was picked: the name follows.
void ExportDialog::formatChosen()
{
    m_path->setText(withSuffix(path(), ImageExporter::suffix(format())));
    update();
}

void ExportDialog::update()
{
    const bool png = format() == ImageFormat::Png;
    m_scale->setEnabled(png);
    if (png && m_imageSize) {
        const QSize size = m_imageSize(options());
        m_size->setText(tr("%1 × %2 pixels").arg(size.width()).arg(size.height()));
    } else {
        m_size->setText(tr("vector: sharp at any size"));
    }
    const bool known = ImageExporter::formatForPath(path()).has_value();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(known);
    m_path->setToolTip(known ? QString() : tr("End the name with .png, .svg or .pdf"));
}

} // namespace Loadstar::Ui
