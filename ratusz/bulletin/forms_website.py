"""Forms of the units' websites' editor (pages, news, events). The rules live in
ratusz.bulletin.services.website; its messages are shown next to the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.bulletin import services
from ratusz.bulletin.forms import DATETIME_FORMATS, DescribedForm, _datetime_local

BODY_HELP = _("Headings, lists, links, tables and images with an alternative text. Scripts, "
              "styles and embedded pages are removed.")


def _editor(label, required=False):
    return forms.CharField(label=label, required=required, max_length=services.MAX_HTML,
                           widget=forms.Textarea(attrs={"rows": 16, "data-wysiwyg": "1"}),
                           help_text=BODY_HELP)


class WebsiteForm(DescribedForm):
    """A form whose fields are those of its ``data_class`` (and of the edited item)."""

    data_class: type

    def data_object(self):
        return self.data_class(**self.cleaned_data)


class PageForm(WebsiteForm):
    data_class = services.PageData

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(label=_("Address of the page"), max_length=80, required=False,
                           help_text=_("Letters, digits and hyphens; made from the title "
                                       "when empty."))
    body = _editor(_("Text"))
    position = forms.IntegerField(label=_("Position in the menu"), min_value=0,
                                  max_value=services.MAX_POSITION, initial=0)
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)


class NewsForm(WebsiteForm):
    data_class = services.NewsData

    title = forms.CharField(label=_("Title"), max_length=300)
    lead = forms.CharField(label=_("Lead"), required=False, max_length=services.MAX_LEAD,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("One or two sentences shown in the list of news."))
    body = _editor(_("Text"))
    published_at = forms.DateTimeField(label=_("Publication date"), required=False,
                                       input_formats=DATETIME_FORMATS,
                                       widget=_datetime_local(),
                                       help_text=_("Now when empty."))
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)


class EventForm(WebsiteForm):
    data_class = services.EventData

    title = forms.CharField(label=_("Title"), max_length=300)
    starts_at = forms.DateTimeField(label=_("Starts"), input_formats=DATETIME_FORMATS,
                                    widget=_datetime_local())
    ends_at = forms.DateTimeField(label=_("Ends"), required=False,
                                  input_formats=DATETIME_FORMATS, widget=_datetime_local())
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    description = _editor(_("Description"))
    is_published = forms.BooleanField(label=_("Published"), required=False, initial=True)
