from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def filter_field(field):
    """A filter form field. Drop-downs are written directly: Django renders each <option>
    through its own template, which on a list page costs more than the table itself."""
    from django import forms
    from django.utils.html import format_html, format_html_join

    widget = field.field.widget
    if not isinstance(widget, forms.Select) or not hasattr(field.field, "choices"):
        return field.as_widget()
    value = field.value()
    selected = {
        str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v not in (None, "")
    }
    multiple = isinstance(widget, forms.SelectMultiple)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (str(k), " selected" if str(k) in selected else "", label)
            for k, label in _flat_choices(field.field.choices)
        ),
    )
    return format_html(
        '<select name="{}" id="{}"{}>{}</select>',
        field.html_name,
        field.auto_id,
        " multiple" if multiple else "",
        options,
    )


def _flat_choices(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat_choices(label)
        else:
            yield (getattr(key, "value", key), label)
