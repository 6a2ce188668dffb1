"""Uploaded files are private: they have no public URL and are served only through scoped views."""

from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT, which no web server may serve: every file is served by a view that checks
    the user's scope and records the download (core.documents.serve_upload)."""

    def url(self, name):
        raise NotImplementedError(
            "Uploaded files have no public URL; link to the app's scoped download view instead."
        )
