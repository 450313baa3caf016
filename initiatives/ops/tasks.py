"""The operations' scheduled work. The email sweeper lives in accounts,
which cannot know the scheduler: its schedule is declared here."""

from accounts.tasks import retry_due_emails
from initiatives.ops.schedule import every, register

register("email-sweeper", retry_due_emails, every(minutes=5))
