"""Back-office forms of the CMS."""

from wagtail.documents.forms import BaseDocumentForm

from config.uploads import upload_check


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form (`WAGTAILDOCS_DOCUMENT_FORM_BASE`): the file's content must match
    its extension, which `WAGTAILDOCS_EXTENSIONS` already restricts (code `file_content_mismatch`)."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            upload_check(upload)
        return upload
