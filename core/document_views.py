from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from .documents import document_kind, serve_document
from .models import StoredDocument


@login_required
def document_download(request, pk: int):
    """The one way to download a stored document: the owning app's predicate decides, 404 otherwise."""
    document = get_object_or_404(StoredDocument.objects.select_related("subject_type"), pk=pk)
    try:
        kind = document_kind(document.kind)
    except LookupError:
        raise Http404 from None
    subject = document.subject
    if subject is None or not kind.allows(request.user, subject, document):
        raise Http404
    return serve_document(request, document)
