from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """E-mail addresses are compared and stored in lower case, as everywhere else in the project."""

    def clean_email(self, email: str) -> str:
        return super().clean_email(email).strip().lower()
