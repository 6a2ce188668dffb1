from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fund.models import Enterprise

from .models import ReportLanguage


class LetterForm(forms.Form):
    text = forms.CharField(
        label=_("Brief van de fondsbeheerder"),
        help_text=_("Een witregel begint een nieuwe alinea."),
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": _("Brief: schrijf de tekst van de brief.")},
    )


class SpotlightForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Onderneming"), queryset=Enterprise.objects.none())
    text = forms.CharField(
        label=_("Tekst"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Tekst: schrijf een tekst over de onderneming.")},
    )
    photo = forms.FileField(
        label=_("Foto (JPEG of PNG, hoogstens 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    photo_caption = forms.CharField(label=_("Bijschrift bij de foto"), required=False, max_length=200)
    remove_photo = forms.BooleanField(label=_("Huidige foto verwijderen"), required=False)

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is not None:
            self.fields["enterprise"].queryset = enterprises


class ConfirmForm(forms.Form):
    """A confirmation step: the box is never ticked in advance."""

    confirm = forms.BooleanField(
        label=_("Ik heb het bovenstaande gecontroleerd en bevestig dit."),
        required=True,
        error_messages={"required": _("Bevestigen: vink het vakje aan om door te gaan.")},
    )


class BatchStartForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden om opnieuw te maken"),
        help_text=_(
            "Alleen nodig als er voor dit kwartaal al rapportages zijn gemaakt; de oude versies blijven."
        ),
        required=False,
        max_length=300,
    )


class ReportLanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Taal van de kwartaalrapportage"), choices=ReportLanguage.choices, widget=forms.RadioSelect
    )
