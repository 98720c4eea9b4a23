"""Case attachments (来信原件, 答复意见书, 送达回证 ...): files on disk under `root` (the app's
ATTACHMENT_DIR, passed in by the view), stored under a random name; the original (sanitized,
Chinese kept) name is the download name."""
import hashlib
import os
import re
import secrets
import unicodedata

from sqlalchemy import select

from models import Attachment, CaseEvent
from models.enums import ATTACHMENT_KINDS
from services import ServiceError, access

ALLOWED_EXTENSIONS = {
    ".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp",
    ".doc", ".docx", ".wps", ".xls", ".xlsx", ".et", ".txt", ".rtf", ".zip", ".rar", ".7z",
    ".mp3", ".m4a", ".amr", ".wav", ".mp4",
}
MSG_NO_FILE = "请选择要上传的文件。"
MSG_BAD_TYPE = "不支持该文件类型，请上传 PDF、图片、Word/Excel 文档、音频或压缩包。"
MSG_EMPTY = "上传的文件是空的。"
MSG_KIND = "请选择附件类型。"
MSG_VOIDED = "已作废的信访事项不能再上传附件。"
MSG_ARCHIVED = "已归档的信访事项不能再上传附件。"
MSG_NOT_ALLOWED = "您无权为该信访事项上传附件。"
MSG_CORRUPT = "该附件文件已损坏或被改动（与上传时的校验值不符），为防止误用已停止下载。请联系系统管理员从备份中恢复。"
PROBLEMS = {"missing": "文件缺失", "altered": "文件已改动（校验值不符）", "unhashed": "无校验值，已按当前文件补记"}

_UNSAFE = re.compile(r'[<>:"/\\|?*]')
OCTET_STREAM = "application/octet-stream"
# The type a download is served with, by extension; anything else is bytes to save (never shown
# inline, never sniffed): the type the browser sent at upload is not trusted.
CONTENT_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".gif": "image/gif", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
    ".webp": "image/webp", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain", ".rtf": "application/rtf", ".zip": "application/zip",
    ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".wav": "audio/wav", ".mp4": "video/mp4",
}


def _dropped(ch):
    """Control and invisible format characters (Cc, Cf: the bidirectional overrides and isolates
    U+202A-U+202E, U+2066-U+2069, the marks U+200E/F, zero-width characters): a name like
    "report\u202Efdp.exe" must not read as something it is not."""
    return unicodedata.category(ch) in ("Cc", "Cf")


def content_type(filename):
    return CONTENT_TYPES.get(extension(filename), OCTET_STREAM)


def clean_filename(raw, default="附件"):
    """A safe display/download name: no directories, control or direction-changing characters;
    Chinese is kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(ch for ch in name if not _dropped(ch))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return default
    stem, ext = os.path.splitext(name)
    if len(name) > 200:
        name = stem[: 200 - len(ext)] + ext
    return name if stem else default + ext


def extension(filename):
    return os.path.splitext(filename or "")[1].lower()


def upload_errors(file_storage, kind):
    """{"file": [...], "kind": [...]} for an upload that cannot be accepted (empty when it can),
    so a form can show both before anything is stored."""
    errors = {}
    msg = check_upload(file_storage)
    if msg:
        errors["file"] = [msg]
    if kind not in ATTACHMENT_KINDS:
        errors["kind"] = [MSG_KIND]
    return errors


def check_upload(file_storage):
    """A Chinese message when the uploaded file cannot be accepted, else None."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        return MSG_NO_FILE
    if extension(clean_filename(file_storage.filename)) not in ALLOWED_EXTENSIONS:
        return MSG_BAD_TYPE
    return None


def full_path(attachment, root):
    """The file of an attachment on disk, refusing any path that leaves `root`."""
    root = os.path.abspath(root)
    path = os.path.abspath(os.path.join(root, attachment.stored_path))
    if os.path.commonpath([root, path]) != root:
        return None
    return path


def save(session, actor, case, file_storage, kind="other", *, root, check=True, note=""):
    """Store one uploaded file for `case` under `root` and write an 'attach' event; the caller commits.

    Raises ServiceError (Chinese) when the user may not attach, the case is archived, or the file is
    not acceptable. With check=False (registration, which checked the role already) only the file is checked.
    """
    if kind not in ATTACHMENT_KINDS:
        raise ServiceError(MSG_KIND, field="kind")
    if check and not access.may_move(session, actor, "attach", case):
        raise ServiceError(MSG_NOT_ALLOWED)
    if case.status == "archived":
        raise ServiceError(MSG_ARCHIVED)
    if case.status == "voided":
        raise ServiceError(MSG_VOIDED)
    msg = check_upload(file_storage)
    if msg:
        raise ServiceError(msg, field="file")
    filename = clean_filename(file_storage.filename)
    ext = extension(filename)
    sub = f"{case.received_on:%Y/%m}" if case.received_on else "misc"
    stored = f"{sub}/{secrets.token_hex(16)}{ext}"
    path = os.path.join(os.path.abspath(root), stored)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    file_storage.save(path)
    size = os.path.getsize(path)
    if size == 0:
        os.remove(path)
        raise ServiceError(MSG_EMPTY, field="file")
    att = Attachment(case=case, kind=kind, filename=filename, content_type=content_type(filename),
                     size=size, stored_path=stored, sha256=file_sha256(path),
                     uploaded_by_id=getattr(actor, "id", None))
    session.add(att)
    session.add(CaseEvent(case=case, actor_id=getattr(actor, "id", None), action="attach",
                          from_status=case.status, to_status=case.status,
                          note=note or f"上传{ATTACHMENT_KINDS[kind]}：{filename}",
                          data={"filename": filename, "kind": kind, "size": size}))
    return att


def discard(attachment, root):
    """Remove the file of an attachment whose transaction failed."""
    path = full_path(attachment, root)
    if path and os.path.exists(path):
        os.remove(path)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_problem(attachment, root):
    """None when the file on disk is the one uploaded; else "missing" or "altered" (size or sha256
    differ), or "unhashed" for a file stored before hashes were kept."""
    path = full_path(attachment, root)
    if path is None or not os.path.isfile(path):
        return "missing"
    if attachment.size and os.path.getsize(path) != attachment.size:
        return "altered"
    if not attachment.sha256:
        return "unhashed"
    return None if file_sha256(path) == attachment.sha256 else "altered"


def check_files(session, root, record=True):
    """Every attachment against its file: [(attachment, problem)] for those not as uploaded. A
    file without a stored hash gets one (record=True; the caller commits) and is listed as
    "unhashed" this once."""
    out = []
    for att in session.execute(select(Attachment).order_by(Attachment.id)).scalars():
        problem = file_problem(att, root)
        if problem == "unhashed" and record:
            att.sha256 = file_sha256(full_path(att, root))
        if problem:
            out.append((att, problem))
    return out


def for_download(session, user, attachment_id, root):
    """(attachment, path) when `user` may download it (access.can_download: sees the case, and for an
    accusation may know the accuser) and the file exists, else None. A file that is not the one
    uploaded (size or sha256) is never served: ServiceError(MSG_CORRUPT)."""
    pk = access.parse_id(attachment_id)
    att = session.get(Attachment, pk) if pk is not None else None
    if att is None or not access.can_download(session, user, att):
        return None
    path = full_path(att, root)
    if path is None or not os.path.isfile(path):
        return None
    if file_problem(att, root) == "altered":
        raise ServiceError(MSG_CORRUPT)
    return att, path
