"""`zhizhi petitions …` — petition figures and documents from the console.

    zhizhi petitions figures [--year Y] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--region CODE]
    zhizhi petitions document CASE_ID {notice,extension,reply,review,re_review} OUT.docx --user NAME [--reason R]

Exit codes: 0 ok; 2 an argument is unknown or the service refused (one line on stderr).
"""

from __future__ import annotations

from zhizhi.metrics.command import FiguresAndDocumentsCommand
from zhizhi.petitions import documents, figures


class Command(FiguresAndDocumentsCommand):
    help = "信访：统计数字、生成文书"
    figures = figures.FIGURE_SET
    documents = documents
    figures_help = "信访统计数字"
    document_help = "生成信访文书 .docx"
