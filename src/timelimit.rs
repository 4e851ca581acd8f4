//! Time limits (办结时限) as written in lists: "20个工作日", "60日", "3个月", "即办".
//! Parsed so `check` can tell a promised limit that is longer than the statutory one.

/// A parsed time limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLimit {
    /// 即办 / 当场 / 即时.
    Immediate,
    WorkingDays(u32),
    /// Natural (calendar) days: 日, 天, 自然日.
    Days(u32),
    Months(u32),
}

impl TimeLimit {
    /// The longest time limit stated in `text` ("1日内受理，5个工作日内办结" → 5 working days;
    /// "告知承诺制：20个工作日；非告知承诺制：10个工作日" → 20). `None` when it states none.
    pub fn parse(text: &str) -> Option<TimeLimit> {
        Self::parse_all(text)
            .into_iter()
            .max_by_key(|t| (t.min_days(), t.max_days().unwrap_or(u32::MAX)))
    }

    /// Every time limit stated in `text`, in order. Chinese numerals (up to 千) and ASCII or
    /// full-width digits are understood.
    pub fn parse_all(text: &str) -> Vec<TimeLimit> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(fold_digit)
            .collect();
        let mut found = Vec::new();
        if ["即办", "即时", "当场", "当即", "立即"]
            .iter()
            .any(|k| t.starts_with(k))
        {
            found.push(TimeLimit::Immediate);
        }
        let chars: Vec<char> = t.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if let Some((n, len)) = number_at(&chars[i..]) {
                let rest: String = chars[i + len..].iter().take(5).collect();
                let rest = rest.trim_start_matches('个');
                if rest.starts_with("工作日") {
                    found.push(TimeLimit::WorkingDays(n));
                } else if rest.starts_with("自然日")
                    || rest.starts_with('日')
                    || rest.starts_with('天')
                {
                    found.push(TimeLimit::Days(n));
                } else if rest.starts_with('月') {
                    found.push(TimeLimit::Months(n));
                }
                i += len;
            } else {
                i += 1;
            }
        }
        found
    }

    /// Fewest calendar days this limit can mean.
    pub fn min_days(self) -> u32 {
        match self {
            TimeLimit::Immediate => 0,
            // n working days span at least n days plus the weekends between them.
            TimeLimit::WorkingDays(n) => n + 2 * (n.saturating_sub(1) / 5),
            TimeLimit::Days(n) => n,
            TimeLimit::Months(n) => n * 28,
        }
    }

    /// Most calendar days this limit can mean; `None` when holidays make it open-ended.
    pub fn max_days(self) -> Option<u32> {
        match self {
            TimeLimit::Immediate => Some(0),
            TimeLimit::WorkingDays(_) => None,
            TimeLimit::Days(n) => Some(n),
            TimeLimit::Months(n) => Some(n * 31),
        }
    }

    /// Is `self` (a promise) certainly longer than `statutory`?
    pub fn exceeds(self, statutory: TimeLimit) -> bool {
        match (self, statutory) {
            (TimeLimit::WorkingDays(a), TimeLimit::WorkingDays(b)) => a > b,
            (TimeLimit::Months(a), TimeLimit::Months(b)) => a > b,
            (a, b) => b.max_days().is_some_and(|max| a.min_days() > max),
        }
    }
}

fn fold_digit(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        _ => c,
    }
}

/// A number at the start of `chars` (ASCII digits or Chinese numerals) and how many chars it took.
fn number_at(chars: &[char]) -> Option<(u32, usize)> {
    let digits: String = chars.iter().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        return digits.parse().ok().map(|n| (n, digits.chars().count()));
    }
    let han = |c: char| "零一二两三四五六七八九".find(c).map(|_| c);
    let value = |c: char| -> u32 {
        match c {
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            _ => 0,
        }
    };
    let mut len = 0;
    let mut total = 0;
    let mut current = 0;
    let mut seen = false;
    for &c in chars {
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => 0,
        };
        if han(c).is_some() {
            current = value(c);
            seen = true;
        } else if unit > 0 {
            total += if current == 0 { unit } else { current * unit };
            current = 0;
            seen = true;
        } else {
            break;
        }
        len += 1;
    }
    if !seen {
        return None;
    }
    Some((total + current, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        assert_eq!(
            TimeLimit::parse("20个工作日"),
            Some(TimeLimit::WorkingDays(20))
        );
        assert_eq!(
            TimeLimit::parse("二十个工作日"),
            Some(TimeLimit::WorkingDays(20))
        );
        assert_eq!(TimeLimit::parse("十五日"), Some(TimeLimit::Days(15)));
        assert_eq!(TimeLimit::parse("３０天"), Some(TimeLimit::Days(30)));
        assert_eq!(TimeLimit::parse("3个月"), Some(TimeLimit::Months(3)));
        assert_eq!(TimeLimit::parse("即办件"), Some(TimeLimit::Immediate));
        assert_eq!(
            TimeLimit::parse("受理之日起20个工作日内"),
            Some(TimeLimit::WorkingDays(20))
        );
        assert_eq!(TimeLimit::parse("一百二十日"), Some(TimeLimit::Days(120)));
        assert_eq!(TimeLimit::parse("一百零五天"), Some(TimeLimit::Days(105)));
        assert_eq!(
            TimeLimit::parse("1日内受理，5个工作日内办结"),
            Some(TimeLimit::WorkingDays(5))
        );
        assert_eq!(
            TimeLimit::parse("告知承诺制：20个工作日；非告知承诺制:10个工作日"),
            Some(TimeLimit::WorkingDays(20))
        );
        assert_eq!(TimeLimit::parse("无"), None);
        assert_eq!(TimeLimit::parse(""), None);
    }

    #[test]
    fn compares_only_when_certain() {
        let wd = TimeLimit::WorkingDays;
        let d = TimeLimit::Days;
        assert!(wd(10).exceeds(wd(5)));
        assert!(!wd(5).exceeds(wd(5)));
        assert!(wd(20).exceeds(d(20)));
        assert!(
            !d(20).exceeds(wd(15)),
            "holidays make working days open-ended"
        );
        assert!(d(31).exceeds(d(30)));
        assert!(!TimeLimit::Immediate.exceeds(d(1)));
    }
}
