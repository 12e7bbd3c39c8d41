from django import forms


def _text(autocomplete: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": autocomplete})


class CheckoutForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(max_length=120, widget=_text("name"))
    address = forms.CharField(max_length=250, widget=_text("street-address"))
    city = forms.CharField(max_length=100, widget=_text("address-level2"))
    postal_code = forms.CharField(max_length=20, widget=_text("postal-code"))
    country = forms.CharField(max_length=60, widget=_text("country-name"))
