"""Error pages in Chinese. A refusal never shows the refused row: the page is generic."""
from flask import render_template
from flask_wtf.csrf import CSRFError

PAGES = {
    400: ("请求有误", "提交的内容无法处理，请返回上一页检查后重试。"),
    403: ("无权访问", "您没有查看或操作此内容的权限。如需处理，请联系信访办或系统管理员。"),
    404: ("未找到", "您要找的页面或记录不存在，或不在您的查看范围内。"),
    405: ("操作方式不正确", "请从页面上的按钮进行操作。"),
    413: ("文件过大", "上传的文件超过 50MB 上限，请压缩或拆分后再上传。"),
    429: ("尝试过于频繁", "本机登录尝试次数过多，请稍后再试。如忘记密码，请联系系统管理员。"),
    500: ("系统出错", "系统处理时出错，已记录。请稍后重试，或联系系统管理员。"),
}


def _page(code, title, message):
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:  # the error page itself must not fail (e.g. database down)
        body = f"<!DOCTYPE html><meta charset='utf-8'><title>{code}</title><h4>{title}</h4><p>{message}</p>"
        return body, code, {"Content-Type": "text/html; charset=utf-8"}


def register_error_handlers(app):
    for code, (title, message) in PAGES.items():
        app.register_error_handler(code, lambda e, code=code, t=title, m=message: _page(code, t, m))

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return _page(400, "页面已过期", "表单已过期或来源无法验证，请刷新页面后重新提交。")
