"""Train the relevance model that gates the DX topic's rule verdicts (issue 21).

    pip install scikit-learn          # only needed here, never at run time
    python benchmarks/train_relevance_model.py [--out crawler/data/relevance_model.json]
                                               [--cv-only] [--errors]

Data (labels by hand, see benchmarks/relevance_real/README.md):
* the real corpus: /work/corpus/relevance/dev.jsonl, the old sealed fifth
  /work/corpus/sealed/relevance_holdout.jsonl and fresh-1 /work/corpus/fresh/relevance_fresh.jsonl
  (157 articles gathered blind to the filter; both measured once after a freeze, so they may
  be trained on); texts stay outside the repository;
  fresh-2 /work/corpus/fresh2/relevance_fresh2.jsonl (125 articles, measured once at 34919df,
  seen since): hard negatives weigh 2 again with it (out of fold real fp 4/3/3 at 0.15 against
  8/8/7 at weight 1);
* the written sets under tests/data/relevance_*.jsonl (short hand-written stories told in
  everyday words, which the real corpus lacks; without them the model refuses many of those
  the rules rightly flag).

Every article is read the way the scorer reads it (``Tokenizer.document``: title, lead, the
body's first 2,000 characters after the lead): the real corpus's DX stories are mostly page
excerpts and its other stories mostly full bodies, so length and the presence of a title are
never features, and digits, web addresses and photo credits are dropped.

Model: TF-IDF over folded syllable 1-3-grams (sublinear tf, l2 norm, min_df 2), logistic
regression (balanced classes, C=10), pruned to the TOP_K n-grams of largest |weight| and
refit on them, so that the shipped model is exactly what was fitted. Hard negatives weighed
2 while the rules could not tell a vendor's pitch or a foreign story from DX; once the rules
read whose story it is (crawler/analysis/storyframe.py), weight 1 did better out of fold on
the 805 real articles (false alarms 1/2/2 in the three fold assignments at threshold 0.20,
against 2/3/1 at 0.15 with weight 2; C=3 or 30 and weight 4 no better). Tokens marking the
story frame's readings (__firm_subject__ …) added to the n-grams changed no figure: not kept.

The combination, chosen on out-of-fold predictions (5 folds by sha1 of id, the whole fit
inside each fold): a topic's rule verdict stands only when the model's probability is at
least ``threshold``, the largest on a 0.05 grid at which no DX story the rules flag is lost
out of fold (real corpus and written sets both) in any of three fold assignments.

The model file is deterministic for the same data: sorted keys, rounded parameters, and check
texts whose probability is computed by scikit-learn with the rounded parameters (the run-time
scorer must reproduce them to 1e-9).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.analysis.relevance import classify, load_topics  # noqa: E402
from crawler.analysis.relevance_model import FORMAT, Tokenizer, load_model  # noqa: E402

REAL = [Path("/work/corpus/relevance/dev.jsonl"),
        Path("/work/corpus/sealed/relevance_holdout.jsonl"),
        Path("/work/corpus/fresh/relevance_fresh.jsonl"),
        Path("/work/corpus/fresh2/relevance_fresh2.jsonl")]
WRITTEN = sorted((ROOT / "tests" / "data").glob("relevance_*.jsonl"))
OUT = ROOT / "crawler" / "data" / "relevance_model.json"
TOKENIZER = Tokenizer(ngram_max=3, folded=True, opening=2000)
C = 10.0
MIN_DF = 2
TOP_K = 4000
HARD_WEIGHT = 2.0  # hard negatives weigh double: fresh-2 (2014-2018 e-government news) did better
FOLDS = 5
# one real DX story the rules flag may be refused out of fold (in each assignment): with none,
# one essay set the threshold alone (pg-448284a9e2, foreign experience then Vietnam's, DX;
# fresh-2's f2-bf0779a06c, told the same way, is a hard negative): 0.10, where real false
# alarms were 4/6/3 out of fold and a written VNeID outage (tests) passed at 0.14
LOST_ALLOWED = 1
GRID = [round(0.05 * i, 2) for i in range(1, 11)]  # 0.05 .. 0.50
DIGITS = 6  # decimals kept of each idf and weight
VERSION = 1

# short texts written for this file (no third-party text): the scorer must give each the
# probability scikit-learn gave it
CHECKS = [
    {"title": "Tỉnh đẩy mạnh chuyển đổi số trong dịch vụ công trực tuyến",
     "lead": "UBND tỉnh triển khai nền tảng số, kết nối dữ liệu dân cư với các sở, ngành.",
     "body": "Người dân nộp hồ sơ trực tuyến toàn trình, thanh toán không dùng tiền mặt."},
    {"title": "Ứng dụng ngân hàng gặp sự cố, khách hàng không thể chuyển khoản",
     "lead": "Sáng nay, ứng dụng của một ngân hàng bị gián đoạn trong nhiều giờ.",
     "body": "Ngân hàng cho biết sự cố đã được khắc phục, xin lỗi khách hàng."},
    {"title": "Nha mang dat doanh thu ky luc trong quy III",
     "lead": "Doanh thu va loi nhuan tang manh so voi cung ky.",
     "body": "Cong ty cho biet doanh thu dich vu so tang 20%."},
    {"title": "", "lead": "Công an cảnh báo thủ đoạn lừa đảo qua ứng dụng VNeID giả.",
     "body": "Đối tượng gọi điện, gửi đường link lạ để chiếm đoạt tài sản."},
    {"title": "Giá lúa tăng nhẹ", "lead": "", "body": ""},
]


@dataclass
class Article:
    id: str
    source: str  # "real" | "written"
    title: str
    lead: str
    body: str
    label: int
    kind: str
    rules: bool  # flagged as DX by the rules alone (the first 2,000 characters for real ones)
    origin: str = ""  # the file it came from (its stem)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_articles() -> list[Article]:
    # the rules alone: a topic's model (this very file, once trained) must not judge its data
    topics = [dataclasses.replace(t, model=None) for t in load_topics()]
    out: list[Article] = []
    for path in REAL:
        for row in _jsonl(path):
            verdict = classify(row.get("title", ""), row.get("lead", ""), row["text"][:2000],
                               topics)
            out.append(Article(row["id"], "real", row.get("title", ""), row.get("lead", ""),
                               row["text"], int(row["label"]), row.get("kind", ""),
                               verdict.relevant and verdict.topic == "dx", path.stem))
    for path in WRITTEN:
        for i, row in enumerate(_jsonl(path)):
            lead = row["text"].split("\n", 1)[0]
            verdict = classify(row["title"], lead, row["text"], topics)
            out.append(Article(f"{path.stem}:{i}", "written", row["title"], lead, row["text"],
                               int(bool(row["label"])), "written",
                               verdict.relevant and verdict.topic == "dx"))
    return out


SALTS = ("", "a", "b")  # three fold assignments: the threshold must hold in each


def _fold(article_id: str, salt: str = "") -> int:
    return int(hashlib.sha1((salt + article_id).encode()).hexdigest(), 16) % FOLDS


def _weight(article: Article) -> float:
    return HARD_WEIGHT if article.kind == "hard_negative" else 1.0


def _identity(grams: list[str]) -> list[str]:
    return grams


def fit(docs: Sequence[list[str]], labels: Sequence[int], weights: Sequence[float]
        ) -> tuple[Any, Any]:
    """(vectorizer, classifier) on the TOP_K n-grams of a first fit, refit on them."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def one(vocabulary: list[str] | None) -> tuple[Any, Any]:
        vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2",
                              min_df=1 if vocabulary else MIN_DF, vocabulary=vocabulary)
        matrix = vec.fit_transform(docs)
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=10000)
        clf.fit(matrix, list(labels), sample_weight=list(weights))
        return vec, clf

    vec, clf = one(None)
    names = vec.get_feature_names_out()
    order = np.lexsort((names, -np.abs(clf.coef_[0])))  # by |weight|, then by name
    return one(sorted(str(names[i]) for i in order[:TOP_K]))


def figures(pairs: Sequence[tuple[int, bool]]) -> tuple[float, float, int, int, int]:
    tp = sum(1 for y, g in pairs if y and g)
    fp = sum(1 for y, g in pairs if not y and g)
    fn = sum(1 for y, g in pairs if y and not g)
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


def _line(name: str, pairs: Sequence[tuple[int, bool]]) -> str:
    p, r, tp, fp, fn = figures(pairs)
    return f"{name}: P {p:.3f} R {r:.3f} (tp {tp}, fp {fp}, fn {fn})"


def cross_validate(articles: list[Article], docs: list[list[str]], salt: str = ""
                   ) -> list[float]:
    """Out-of-fold probability of every article (the whole fit inside each fold)."""
    probability = [0.0] * len(articles)
    for k in range(FOLDS):
        train = [i for i, a in enumerate(articles) if _fold(a.id, salt) != k]
        test = [i for i, a in enumerate(articles) if _fold(a.id, salt) == k]
        vec, clf = fit([docs[i] for i in train], [articles[i].label for i in train],
                       [_weight(articles[i]) for i in train])
        got = clf.predict_proba(vec.transform([docs[i] for i in test]))[:, 1]
        for i, p in zip(test, got, strict=True):
            probability[i] = float(p)
    return probability


def choose_threshold(articles: list[Article], runs: list[list[float]]) -> float:
    """The largest grid threshold at which at most ``LOST_ALLOWED`` real DX stories that the
    rules flag are refused out of fold, and no written one, in each of the fold
    assignments."""
    def fits(t: float) -> bool:
        for probability in runs:
            lost = [a for a, p in zip(articles, probability, strict=True)
                    if a.rules and a.label and p < t]
            if any(a.source == "written" for a in lost) or len(lost) > LOST_ALLOWED:
                return False
        return True

    fitting = [t for t in GRID if fits(t)]
    return fitting[-1] if fitting else GRID[0]


def report(articles: list[Article], probability: list[float], threshold: float,
           errors: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source in ("real", "written"):
        idx = [i for i, a in enumerate(articles) if a.source == source]
        rules = [(articles[i].label, articles[i].rules) for i in idx]
        model = [(articles[i].label, probability[i] >= threshold) for i in idx]
        both = [(articles[i].label, articles[i].rules and probability[i] >= threshold)
                for i in idx]
        print(f"== {source} ({len(idx)} articles, {sum(a for a, _ in rules)} DX), "
              f"out of fold, threshold {threshold}")
        for name, pairs in (("rules", rules), ("model", model), ("combined", both)):
            print("   " + _line(name, pairs))
            p, r, tp, fp, fn = figures(pairs)
            out[f"{source}_{name}"] = {"precision": round(p, 3), "recall": round(r, 3),
                                       "tp": tp, "fp": fp, "fn": fn}
        if source == "real":
            for origin in sorted({articles[i].origin for i in idx}):
                part = [i for i in idx if articles[i].origin == origin]
                print(f"   {origin} ({len(part)}): " + ", ".join(
                    _line(name, [(articles[i].label, got(i)) for i in part])
                    for name, got in (("rules", lambda i: articles[i].rules),
                                      ("combined", lambda i: articles[i].rules
                                       and probability[i] >= threshold))))
        if errors:
            for i in idx:
                a = articles[i]
                got = a.rules and probability[i] >= threshold
                if got != bool(a.label):
                    what = "false positive" if got else "missed"
                    why = "rules" if a.rules == got else "model"
                    print(f"   {what} ({why}): {a.id} [{a.kind}] p={probability[i]:.3f} "
                          f"{(a.title or a.lead)[:90]}")
    print("   combined by threshold (real: fp/fn; written: fn): " + "; ".join(
        f"{t}: {figures([(a.label, a.rules and p >= t) for a, p in zip(articles, probability, strict=True) if a.source == 'real'])[3:]}"  # noqa: E501
        f"/{figures([(a.label, a.rules and p >= t) for a, p in zip(articles, probability, strict=True) if a.source == 'written'])[4]}"  # noqa: E501
        for t in GRID))
    return out


def data_hash(articles: list[Article]) -> str:
    digest = hashlib.sha256()
    for a in sorted(articles, key=lambda a: a.id):
        digest.update(json.dumps([a.id, a.label, a.title, a.lead, a.body],
                                 ensure_ascii=False).encode())
    return digest.hexdigest()


def build(articles: list[Article], docs: list[list[str]], threshold: float,
          cv: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    import sklearn

    vec, clf = fit(docs, [a.label for a in articles], [_weight(a) for a in articles])
    # round the parameters, then let scikit-learn score the checks with the rounded ones
    vec.idf_ = np.round(vec.idf_, DIGITS)
    clf.coef_ = np.round(clf.coef_, DIGITS)
    clf.intercept_ = np.round(clf.intercept_, DIGITS)
    names = vec.get_feature_names_out()
    terms = {str(n): [float(i), float(w)]
             for n, i, w in zip(names, vec.idf_, clf.coef_[0], strict=True)}
    checks = []
    for text in CHECKS:
        grams = TOKENIZER.grams(TOKENIZER.document(text["title"], text["lead"], text["body"]))
        probability = float(clf.predict_proba(vec.transform([grams]))[0, 1])
        checks.append({**text, "probability": probability})
    counts: dict[str, int] = {}
    for a in articles:
        key = f"{a.source}_{'dx' if a.label else a.kind if a.source == 'real' else 'not_dx'}"
        counts[key] = counts.get(key, 0) + 1
    return {
        "format": FORMAT,
        "version": VERSION,
        "threshold": threshold,
        "intercept": float(clf.intercept_[0]),
        "tokenizer": TOKENIZER.settings(),
        "meta": {
            "trained_on": counts,
            "data_sha256": data_hash(articles),
            "model": f"tf-idf (sublinear, l2, min_df {MIN_DF}) + logistic regression "
                     f"(balanced, C={C:g}, hard negatives x{HARD_WEIGHT:g}), top {TOP_K} "
                     f"n-grams refit",
            "sklearn": sklearn.__version__,
            "cross_validation": cv,
            "trainer": "benchmarks/train_relevance_model.py",
        },
        "checks": checks,
        "terms": dict(sorted(terms.items())),
    }


def dump(model: dict[str, Any]) -> str:
    """JSON with sorted keys, one n-gram per line (a readable diff when the model changes)."""
    head = {k: v for k, v in model.items() if k != "terms"}
    text = json.dumps(head, ensure_ascii=False, sort_keys=True, indent=1)
    terms = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v)}"
                        for k, v in sorted(model["terms"].items()))
    return text[:-2] + ',\n "terms": {\n' + terms + "\n }\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cv-only", action="store_true", help="report, write nothing")
    parser.add_argument("--errors", action="store_true", help="list out-of-fold errors")
    args = parser.parse_args()
    articles = load_articles()
    docs = [TOKENIZER.grams(TOKENIZER.document(a.title, a.lead, a.body)) for a in articles]
    runs = [cross_validate(articles, docs, salt) for salt in SALTS]
    threshold = choose_threshold(articles, runs)
    cv = report(articles, runs[0], threshold, args.errors)
    for salt, probability in zip(SALTS[1:], runs[1:], strict=True):
        for source in ("real", "written"):
            print(f"   other folds ({salt!r}), {source} " + _line("combined", [
                (a.label, a.rules and p >= threshold)
                for a, p in zip(articles, probability, strict=True) if a.source == source]))
    if args.cv_only:
        return
    model = build(articles, docs, threshold, cv)
    args.out.write_text(dump(model), encoding="utf-8")
    load_model(args.out).verify()
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(model['terms'])} terms, "
          f"threshold {threshold}); checks reproduced by the run-time scorer")


if __name__ == "__main__":
    main()
