//! Levels of government (层级): which is higher, read from the words lists use — 自治区级,
//! 地州市级, 县（市、区）级, 乡镇（街道）级 in an item's level, 省/地州市/县市区/乡镇街道 in a
//! jurisdiction's. `diff` uses it to tell 下放 from 上收; the multi-level checks to know which
//! catalogue entries a jurisdiction must claim.

/// Rank of one level word: 5 national … 1 township; 0 when not recognised.
pub fn rank(word: &str) -> u8 {
    let has = |xs: &[&str]| xs.iter().any(|x| word.contains(x));
    if has(&["国家", "中央", "国务院"]) {
        5
    } else if has(&["自治区", "省", "兵团"]) {
        4
    } else if has(&["乡", "镇", "街道"]) {
        1
    } else if has(&["县", "旗"]) {
        2
    } else if has(&["地", "州", "市", "盟"]) {
        3
    } else if has(&["区"]) {
        2
    } else {
        0
    }
}

/// (highest, lowest) recognised level of a level text such as “市级、县级” (words with 级).
/// Remembered per thread: a province's check asks it of the same few texts millions of times
/// (each catalogue item's levels, for each of a thousand jurisdictions), and working it out
/// (a dozen substring searches per word) was a fifth of the check.
pub fn levels(text: &str) -> Option<(u8, u8)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static SEEN: RefCell<HashMap<String, Option<(u8, u8)>>> = RefCell::new(HashMap::new());
    }
    SEEN.with(|seen| {
        if let Some(r) = seen.borrow().get(text) {
            return *r;
        }
        let r = levels_of(text);
        let mut seen = seen.borrow_mut();
        // Level texts are few; a list of odd ones does not grow without end.
        if seen.len() < 1024 {
            seen.insert(text.to_string(), r);
        }
        r
    })
}

fn levels_of(text: &str) -> Option<(u8, u8)> {
    let ranks: Vec<u8> = text
        .split(['、', '，', ',', '/', '；', ';', ' ', '和', '及'])
        .filter(|w| w.contains('级'))
        .map(rank)
        .filter(|&r| r > 0)
        .collect();
    Some((*ranks.iter().max()?, *ranks.iter().min()?))
}

/// The name of a rank, for messages.
pub fn name(rank: u8) -> &'static str {
    match rank {
        5 => "国家级",
        4 => "省（自治区）级",
        3 => "地州市级",
        2 => "县（市、区）级",
        1 => "乡镇（街道）级",
        _ => "未识别的层级",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_ranks() {
        assert_eq!(levels("地州市级"), Some((3, 3)));
        assert_eq!(levels("市级、县级"), Some((3, 2)));
        assert_eq!(levels("县（市、区）级"), Some((2, 2)));
        assert_eq!(levels("自治区级"), Some((4, 4)));
        assert_eq!(levels("乡镇（街道）级"), Some((1, 1)));
        assert_eq!(levels("负责本行政区域"), None);
        assert_eq!(levels("其他"), None);
        // A jurisdiction's level needs no 级.
        assert_eq!(rank("县市区"), 2);
        assert_eq!(rank("地州市"), 3);
        assert_eq!(rank("乡镇街道"), 1);
        assert_eq!(rank("省"), 4);
        assert_eq!(rank("市级"), 3);
    }
}
