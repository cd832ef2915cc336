"""Writes of the e-services, by concern:
- `catalogue`: copying the service library into a gmina, editing a service card;
- `form_versions`: the draft of a service's next form, publishing and discarding it;
- `drafts`: a resident's saved answers and the files attached on the way;
- `attachments`: files of a submission, taken out of API answers and checked;
- `submissions`: filing a form (registered and opened as a case in ONE transaction),
  submissions without sign-in held until the e-mail address is confirmed (the link sent
  again on request) and their receipt sent by e-mail;
- `matters`: withdrawal, messages both ways, confirming the fee.

The outermost write owns its transaction (`durable=True`); the receipt, e-mails and case
news follow after commit (`ratusz.core.effects`). Service-level modules beside this
package: `receipts` (sealing and verifying the official receipt) and `case_news` (news of
a resident's case handed to the notification outbox). Pure helpers below it:
`forms_engine` (form definitions and answers), `form_editing` (the form editor's changes),
`library` (the standard services), `errors`. The EZD is reached through
`ratusz.cases.services` and `ratusz.cases.selectors` only.

Every public name is importable from `ratusz.eservices.services`.
"""

from ratusz.eservices.errors import EserviceError, SubmissionRejected
from ratusz.eservices.services.attachments import (
    UploadedFile,
    check_attachments,
    check_one_attachment,
    decode_api_attachments,
)
from ratusz.eservices.services.catalogue import publish_library, update_service_card
from ratusz.eservices.services.drafts import (
    discard_draft,
    discard_stashed,
    save_draft,
    stash_attachment,
    stashed_files,
)
from ratusz.eservices.services.form_versions import (
    discard_form_draft,
    open_form_draft,
    publish_form,
    save_form_draft,
)
from ratusz.eservices.services.matters import (
    confirm_fee,
    mark_messages_read,
    record_fee_paid,
    reply_as_resident,
    send_message_to_resident,
    settle_paid_fees,
    withdraw_submission,
)
from ratusz.eservices.services.submissions import (
    applicant_of,
    confirm_anonymous_submission,
    digest_of,
    request_anonymous_submission,
    send_confirmation_again,
    send_confirmation_email,
    send_receipt_email,
    submit,
    validate_submission,
)

__all__ = [
    "EserviceError", "SubmissionRejected", "UploadedFile", "applicant_of",
    "check_attachments", "check_one_attachment", "confirm_anonymous_submission",
    "confirm_fee", "record_fee_paid", "settle_paid_fees", "decode_api_attachments",
    "digest_of", "discard_draft",
    "discard_form_draft", "discard_stashed", "mark_messages_read", "open_form_draft",
    "publish_form", "publish_library", "reply_as_resident", "request_anonymous_submission",
    "save_draft", "save_form_draft", "send_confirmation_again", "send_confirmation_email",
    "send_message_to_resident", "send_receipt_email",
    "stash_attachment", "stashed_files", "submit", "update_service_card",
    "validate_submission", "withdraw_submission",
]
